import Crypto
import Foundation
import NIOHTTP1
import WebAuthn

// `BENCH_ONLY=passkeys`: passkey sign-in verifications per second beside raw ES256 verification
// in the same run. In process: the WebAuthn assertion check (client data, authenticator data,
// ES256 signature, sign count) against P256.Signing verify alone over the same bytes. Over HTTP:
// full discoverable sign-ins (options, then verify: challenge spent, signature checked, session
// opened) against GET /health/live. The authenticator is this process: a P-256 key that
// registers through the real routes with `none` attestation.

/// Just enough CBOR encoding for a `none` attestation object and a COSE key.
enum TinyCBOR {
    static func header(_ major: UInt8, _ value: Int) -> [UInt8] {
        switch value {
        case 0..<24: [major << 5 | UInt8(value)]
        case 24..<256: [major << 5 | 24, UInt8(value)]
        default: [major << 5 | 25, UInt8(value >> 8), UInt8(value & 0xff)]
        }
    }
    static func int(_ value: Int) -> [UInt8] { value >= 0 ? header(0, value) : header(1, -1 - value) }
    static func bytes(_ value: [UInt8]) -> [UInt8] { header(2, value.count) + value }
    static func text(_ value: String) -> [UInt8] { header(3, value.utf8.count) + Array(value.utf8) }
    static func map(_ entries: [([UInt8], [UInt8])]) -> [UInt8] { header(5, entries.count) + entries.flatMap { $0.0 + $0.1 } }
}

struct BenchAuthenticator: Sendable {
    let key = P256.Signing.PrivateKey()
    let credentialID = (0..<32).map { _ in UInt8.random(in: 0...255) }
    let rpID = "localhost"
    let origin = "http://localhost:8080"

    var coseKey: [UInt8] {
        let point = Array(self.key.publicKey.x963Representation)
        return TinyCBOR.map([
            (TinyCBOR.int(1), TinyCBOR.int(2)), (TinyCBOR.int(3), TinyCBOR.int(-7)), (TinyCBOR.int(-1), TinyCBOR.int(1)),
            (TinyCBOR.int(-2), TinyCBOR.bytes(Array(point[1..<33]))), (TinyCBOR.int(-3), TinyCBOR.bytes(Array(point[33..<65]))),
        ])
    }

    var rpIDHash: [UInt8] { Array(SHA256.hash(data: Array(self.rpID.utf8))) }

    func clientData(_ type: String, challenge: String) -> [UInt8] {
        Array(#"{"type":"\#(type)","challenge":"\#(challenge)","origin":"\#(self.origin)","crossOrigin":false}"#.utf8)
    }

    /// A registration answer; flags UP, UV, AT; counter 0 (a synced passkey keeps none).
    func create(challenge: String, deviceName: String) -> String {
        let authData =
            self.rpIDHash + [0x45, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 16) + [0, UInt8(self.credentialID.count)] + self.credentialID
            + self.coseKey
        let attestation = TinyCBOR.map([
            (TinyCBOR.text("fmt"), TinyCBOR.text("none")), (TinyCBOR.text("attStmt"), TinyCBOR.map([])),
            (TinyCBOR.text("authData"), TinyCBOR.bytes(authData)),
        ])
        let id = Base64URL.encode(self.credentialID)
        return
            #"{"id":"\#(id)","rawId":"\#(id)","type":"public-key","device_name":"\#(deviceName)","response":{"clientDataJSON":"\#(Base64URL.encode(self.clientData("webauthn.create", challenge: challenge)))","attestationObject":"\#(Base64URL.encode(attestation))"}}"#
    }

    /// An assertion: authenticator data (UP, UV, counter 0), client data, DER signature.
    func assertion(challenge: String) throws -> (authenticatorData: [UInt8], clientData: [UInt8], signature: [UInt8]) {
        let authData = self.rpIDHash + [0x05, 0, 0, 0, 0]
        let clientData = self.clientData("webauthn.get", challenge: challenge)
        let signature = try self.key.signature(for: authData + SHA256.hash(data: clientData))
        return (authData, clientData, Array(signature.derRepresentation))
    }

    func get(challenge: String, userHandle: String) throws -> String {
        let (authData, clientData, signature) = try self.assertion(challenge: challenge)
        let id = Base64URL.encode(self.credentialID)
        return
            #"{"id":"\#(id)","rawId":"\#(id)","type":"public-key","response":{"clientDataJSON":"\#(Base64URL.encode(clientData))","authenticatorData":"\#(Base64URL.encode(authData))","signature":"\#(Base64URL.encode(signature))","userHandle":"\#(userHandle)"}}"#
    }
}

@Sendable func publicKeyField(_ name: String, in body: String) -> String? {
    guard let data = body.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let options = object["public_key"] as? [String: Any]
    else { return nil }
    if name == "user.id" { return (options["user"] as? [String: Any])?["id"] as? String }
    return options[name] as? String
}

typealias BenchSend = @Sendable (HTTPMethod, String, String?, String?) async throws -> (status: Int, body: String)

func passkeyBenchmark(
    authURL: String, users: [String], password: String, seconds: Double, concurrency: Int, send: @escaping BenchSend
) async throws {
    print("passkey benchmark: \(Int(seconds)) s per measurement, \(concurrency) concurrent clients")
    print("  (machine: \(ProcessInfo.processInfo.activeProcessorCount) cores)")
    let cores = ProcessInfo.processInfo.activeProcessorCount

    // In process: the same signed bytes through the WebAuthn verifier and through P256 alone.
    let device = BenchAuthenticator()
    let challenge = (0..<32).map { _ in UInt8.random(in: 0...255) }
    let (authData, clientData, signature) = try device.assertion(challenge: Base64URL.encode(challenge))
    let coseKey = try COSEKey(device.coseKey)
    let relyingParty = RelyingParty(id: device.rpID, origins: [device.origin])
    let signed = authData + SHA256.hash(data: clientData)
    let rawSignature = try P256.Signing.ECDSASignature(derRepresentation: signature)
    let batch = 200
    let raw = await measureRate("raw ES256 verify (P256.Signing), x\(batch)", seconds: seconds, states: Array(repeating: 0, count: cores)) { _ in
        for _ in 0..<batch where !device.key.publicKey.isValidSignature(rawSignature, for: signed) { return false }
        return true
    }
    let pure = await measureRate("WebAuthn assertion verify (in process), x\(batch)", seconds: seconds, states: Array(repeating: 0, count: cores)) {
        _ in
        for _ in 0..<batch {
            _ = try WebAuthn.verifyAuthentication(
                clientDataJSON: clientData, authenticatorData: authData, signature: signature, expectedChallenge: challenge,
                relyingParty: relyingParty, publicKey: coseKey, storedSignCount: 0, requireUserVerification: true)
        }
        return true
    }

    // Over HTTP: each worker registers its own passkey on its bench user, then signs in with it.
    var workers: [(BenchAuthenticator, String)] = []
    for email in users {
        let signedIn = try await send(
            .POST, "\(authURL)/v1/auth/token", #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#, nil)
        guard let data = signedIn.body.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let token = object["access_token"] as? String
        else {
            print("sign-in failed: \(signedIn.body)")
            exit(1)
        }
        let options = try await send(.POST, "\(authURL)/v1/auth/passkeys/registration/options", "{}", token)
        guard let challenge = publicKeyField("challenge", in: options.body), let handle = publicKeyField("user.id", in: options.body) else {
            print("registration options failed: \(options.body)")
            exit(1)
        }
        let authenticator = BenchAuthenticator()
        let added = try await send(
            .POST, "\(authURL)/v1/auth/passkeys/registration/verify", authenticator.create(challenge: challenge, deviceName: "bench"), token)
        guard added.status == 201 else {
            print("registration failed: \(added.body)")
            exit(1)
        }
        workers.append((authenticator, handle))
    }
    let baseline = await measureRate("baseline: GET /health/live (auth)", seconds: seconds, states: Array(repeating: 0, count: concurrency)) {
        _ in
        try await send(.GET, "\(authURL)/health/live", nil, nil).status == 200
    }
    let signIns = await measureRate("passkey sign-ins (options + verify, HTTP)", seconds: seconds, states: workers) { worker in
        let options = try await send(.POST, "\(authURL)/v1/auth/passkeys/authentication/options", "{}", nil)
        guard let challenge = publicKeyField("challenge", in: options.body) else { return false }
        let reply = try await send(
            .POST, "\(authURL)/v1/auth/passkeys/authentication/verify", try worker.0.get(challenge: challenge, userHandle: worker.1), nil)
        return reply.status == 200
    }

    print("")
    print("summary (ratios to the same-run baseline travel between machines; absolute rates do not)")
    print(
        String(
            format: "  WebAuthn verifications/s %10.1f  (%.3f × raw ES256 verify: %.1f/s)", pure * Double(batch), pure / raw,
            raw * Double(batch)))
    print(
        String(
            format: "  passkey sign-ins/s       %10.1f  (%.4f × raw ES256 verify; %.3f × GET /health/live: %.1f/s)", signIns,
            signIns / (raw * Double(batch)), signIns / baseline, baseline))
}
