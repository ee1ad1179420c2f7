import AuthService
import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Every passkey route answers as `/openapi.json` says — successes and refusals, bodies against
/// their schemas — driven by a real software authenticator, and none is left undocumented.
@Suite(.enabled(if: SoftPasskey.isConfigured, "needs soft-webauthn: set TRACT_PYTHON")) struct PasskeyOpenAPITests {
    @Test func everyPasskeyRouteAnswersAsTheDocumentSays() async throws {
        try await AuthFixture.run { auth in
            let document = try await auth.client.get("/openapi.json").json
            let email = try await auth.verifiedUser()
            let token = try await auth.accessToken(email)
            let device = SoftPasskey()
            defer { device.remove() }
            var seen: [(method: String, path: String, reply: JSONClient.Reply)] = []
            func call(_ method: HTTPMethod, _ template: String, _ url: String? = nil, _ body: String? = nil, token: String? = nil) async throws
                -> JSONClient.Reply
            {
                let reply = try await auth.client.send(method, url ?? template, json: body, token: token)
                seen.append((method.rawValue, template, reply))
                return reply
            }
            let base = "/v1/auth/passkeys"
            _ = try await call(.POST, "\(base)/registration/options", nil, "{}")
            let creation = try await call(.POST, "\(base)/registration/options", nil, "{}", token: token)
            var credential = try device.create(creation["public_key"])
            credential.removeLast()
            _ = try await call(
                .POST, "\(base)/registration/verify", nil, #"{"id":"AA","rawId":"AA","type":"public-key","response":{}}"#, token: token)
            let added = try await call(.POST, "\(base)/registration/verify", nil, credential + #","device_name":"Phone"}"#, token: token)
            let id = try #require(added.string("id"))
            _ = try await call(.GET, base, "\(base)?limit=1", token: token)
            _ = try await call(.GET, base, "\(base)?limit=0", token: token)
            _ = try await call(.PATCH, "\(base)/{id}", "\(base)/\(id)", #"{"device_name":"My phone"}"#, token: token)
            _ = try await call(.PATCH, "\(base)/{id}", "\(base)/\(UUID())", #"{"device_name":"Nope"}"#, token: token)
            let request = try await call(.POST, "\(base)/authentication/options", nil, "{}")
            let signedIn = try await call(.POST, "\(base)/authentication/verify", nil, try device.get(request["public_key"]))
            // Removing a passkey is a security change: a token with a recent second factor (part C's step-up).
            let fresh = try #require(signedIn.string("access_token"))
            _ = try await call(.POST, "\(base)/authentication/verify", nil, #"{"id":"AA","rawId":"AA","type":"public-key","response":{}}"#)
            _ = try await call(.DELETE, "\(base)/{id}", "\(base)/\(UUID())", token: fresh)
            _ = try await call(.DELETE, "\(base)/{id}", "\(base)/\(id)", token: fresh)

            for (method, path, reply) in seen {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: reply.status, contentType: reply.headers.first(name: "Content-Type") ?? "",
                    body: reply.text)
                #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: path, status: reply.status), !reply.text.isEmpty
                {
                    let mismatches = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                    #expect(mismatches.isEmpty, "\(method) \(path) \(reply.status): \(mismatches)")
                }
            }
            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix(base) {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") } }
                }
            }
            #expect(documented == Set(seen.map { "\($0.method) \($0.path)" }))
            for operation in documented where operation != "POST \(base)/authentication/options" {
                let replies = seen.filter { "\($0.method) \($0.path)" == operation }.map(\.reply.status)
                #expect(replies.contains { $0 < 300 } && replies.contains { $0 >= 400 }, "\(operation): \(replies)")
            }
        }
    }
}
