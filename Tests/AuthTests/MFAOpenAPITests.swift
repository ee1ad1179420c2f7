import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every MFA operation, exercised against the running service with good and bad input, answers as
/// auth's OpenAPI document says, and every one is exercised.
@Suite struct MFAOpenAPITests {
    @Test func theMFADocumentIsTrueOfTheRunningService() async throws {
        let clock = SteppingClock()
        try await AuthFixture.run(clock: clock.clock) { auth in
            let document = try await auth.client.get("/openapi.json").json
            var exercised: Set<String> = []
            func call(_ method: HTTPMethod, _ path: String, json: String? = nil, token: String? = nil) async throws -> JSONClient.Reply {
                let reply = try await auth.client.send(method, path, json: json, token: token)
                let found = OpenAPIConformance.problems(
                    in: document, method: method.rawValue, path: path, status: reply.status,
                    contentType: reply.headers.first(name: "Content-Type") ?? "", body: reply.text)
                #expect(found.isEmpty, "\(found)")
                exercised.insert("\(method.rawValue) \(path)")
                return reply
            }

            let email = try await auth.verifiedUser()
            let access = try #require(try await auth.signIn(email).string("access_token"))
            _ = try await call(.GET, "/v1/auth/mfa")
            _ = try await call(.GET, "/v1/auth/mfa", token: access)
            _ = try await call(.POST, "/v1/auth/mfa/totp/confirm", json: #"{"code":"000000"}"#, token: access)
            let started = try await call(.POST, "/v1/auth/mfa/totp", json: "{}", token: access)
            let secretText = try #require(started.string("secret"))
            let secret = try #require(ReferenceTOTP.base32Decode(secretText))
            _ = try await call(.POST, "/v1/auth/mfa/totp/confirm", json: #"{"code":"12"}"#, token: access)
            _ = try await call(.POST, "/v1/auth/mfa/totp/confirm", json: "[]", token: access)
            let confirmed = try await call(
                .POST, "/v1/auth/mfa/totp/confirm", json: #"{"code":"\#(ReferenceTOTP.code(secret: secret, step: clock.step))"}"#, token: access)
            let fresh = try #require(confirmed.string("access_token"))
            _ = try await call(.POST, "/v1/auth/mfa/totp", json: "{}", token: fresh)
            _ = try await call(.POST, "/v1/auth/mfa/recovery-codes", json: "{}", token: fresh)
            _ = try await call(.POST, "/v1/auth/mfa/recovery-codes", json: "{}")

            let first = try await auth.signIn(email)
            #expect(
                OpenAPIConformance.problems(
                    in: document, method: "POST", path: "/v1/auth/token", status: first.status,
                    contentType: first.headers.first(name: "Content-Type") ?? "", body: first.text
                ).isEmpty)
            let ticket = try #require(first.string("mfa_token"))
            _ = try await call(.POST, "/v1/auth/mfa/verify", json: #"{"mfa_token":"\#(ticket)"}"#)
            // No passkey on this account: the options say so (MFAPasskeyTests has the passkey way).
            _ = try await call(.POST, "/v1/auth/mfa/verify/passkey-options", json: #"{"mfa_token":"\#(ticket)"}"#)
            _ = try await call(.POST, "/v1/auth/mfa/verify/passkey-options", json: #"{"mfa_token":"nope"}"#)
            _ = try await call(.POST, "/v1/auth/mfa/verify/passkey-options", json: "{}")
            _ = try await call(.POST, "/v1/auth/mfa/verify", json: #"{"mfa_token":"\#(ticket)","code":"000000"}"#)
            _ = try await call(.POST, "/v1/auth/mfa/verify", json: #"{"mfa_token":"nope","code":"000000"}"#)
            clock.advance(steps: 1)
            let verified = try await call(
                .POST, "/v1/auth/mfa/verify", json: #"{"mfa_token":"\#(ticket)","code":"\#(ReferenceTOTP.code(secret: secret, step: clock.step))"}"#)
            let session = try #require(verified.string("access_token"))

            _ = try await call(.POST, "/v1/auth/mfa/step-up", json: #"{"code":"000000"}"#, token: session)
            _ = try await call(.POST, "/v1/auth/mfa/step-up", json: #"{}"#, token: session)
            _ = try await call(.POST, "/v1/auth/mfa/step-up/passkey-options", token: session)
            _ = try await call(.POST, "/v1/auth/mfa/step-up/passkey-options")
            _ = try await call(.POST, "/v1/auth/mfa/step-up", json: #"{"code":"000000"}"#)
            clock.advance(steps: 1)
            _ = try await call(
                .POST, "/v1/auth/mfa/step-up", json: #"{"code":"\#(ReferenceTOTP.code(secret: secret, step: clock.step))"}"#, token: session)

            // Step-up refusals on a stale session, then the removal itself.
            try await auth.sql("UPDATE auth.sessions SET mfa_at = now() - interval '1 hour'")
            let refreshToken = try #require(verified.string("refresh_token"))
            let stale = try #require(try await auth.refresh(refreshToken).string("access_token"))
            let refused = try await call(.DELETE, "/v1/auth/mfa/totp", token: stale)
            #expect(refused.status == 401)
            _ = try await call(.POST, "/v1/auth/mfa/totp", json: "{}", token: stale)
            _ = try await call(.DELETE, "/v1/auth/mfa/totp", token: fresh)
            _ = try await call(.DELETE, "/v1/auth/mfa/totp", token: fresh)

            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix("/v1/auth/mfa") {
                    if case .object(let operations) = item {
                        for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
                    }
                }
            }
            #expect(documented == exercised, "documented but not exercised: \(documented.subtracting(exercised).sorted())")
        }
    }
}
