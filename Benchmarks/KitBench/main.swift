import Foundation
import Hummingbird
import JWTKit
import Logging
import Models
import NIOCore
import ServiceKit

// `make bench` (BENCH_ONLY=kit): the token issuer for the kit's authenticated-read row (issue 19).
// This process stands in for auth's JWKS, as the tests' issuer does: it signs one access token for
// BENCH_SUBJECT (an investor's user id), prints it as its first line, and serves the public key at
// http://127.0.0.1:BENCH_JWKS_PORT/.well-known/jwks.json until it is terminated, so the investments
// instance under wrk accepts the token. wrk sends the token; scripts/bench.sh measures.
// The distribution row signs a sponsor's token the same way (BENCH_ROLES=sponsor).
// Env: BENCH_SUBJECT (a user id), BENCH_ROLES (investor; comma-separated), BENCH_JWKS_PORT (19190).

let environment = ProcessInfo.processInfo.environment
guard let subject = environment["BENCH_SUBJECT"].flatMap(UUID.init(uuidString:)) else {
    FileHandle.standardError.write(Data("BENCH_SUBJECT must be a user id (UUID)\n".utf8))
    exit(2)
}
let jwksPort = Int(environment["BENCH_JWKS_PORT"] ?? "19190") ?? 19190
let roles = (environment["BENCH_ROLES"] ?? "investor").split(separator: ",").map(String.init)
var logger = Logger(label: "kit-bench")
logger.logLevel = .warning

let signingKey = try EdDSA.PrivateKey()
let keys = JWTKeyCollection()
await keys.add(eddsa: signingKey, kid: "bench-kit")
let jwks: String = {
    let x = signingKey.publicKey.rawRepresentation.base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    return #"{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"bench-kit","x":"\#(x)"}]}"#
}()

// Valid for longer than any bench runs.
let now = Date()
let claims = AccessTokenClaims(
    subject: subject.uuidString.lowercased(), sessionID: UUID().uuidString.lowercased(), roles: roles, scopes: [Scope.user],
    audience: ["tract"], issuer: "tract-auth", issuedAt: now, expiresAt: now.addingTimeInterval(6 * 3600)
)
FileHandle.standardOutput.write(Data((try await keys.sign(claims, kid: "bench-kit") + "\n").utf8))

let router = Router()
router.get(".well-known/jwks.json") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: jwks)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: jwksPort)), logger: logger)
try await app.runService()
