import Foundation
import NIOHTTP1
import ServiceKit
import TestSupport

/// The OAuth routes' part of `AuthOpenAPITests`: each documented operation called once on a
/// service with no providers configured (what answers without a provider). Their success
/// responses are checked against the document in `OAuthDocumentTests`, with a real provider.
enum OAuthOpenAPIExercise {
    typealias Call = (HTTPMethod, String, String?, String?, String?) async throws -> JSONClient.Reply

    static func run(token: String, _ call: Call) async throws {
        _ = try await call(.POST, "/v1/auth/oauth/{provider}/authorize", "/v1/auth/oauth/google/authorize", "{}", nil)
        _ = try await call(.GET, "/v1/auth/oauth/{provider}/callback", "/v1/auth/oauth/google/callback?code=x", nil, nil)
        _ = try await call(.POST, "/v1/auth/oauth/{provider}/callback", "/v1/auth/oauth/google/callback", "{}", nil)
        _ = try await call(.POST, "/v1/auth/oauth/links", nil, #"{"link_ticket":"forged"}"#, token)
        _ = try await call(.GET, "/v1/auth/identities", nil, nil, token)
        _ = try await call(.DELETE, "/v1/auth/identities/{id}", "/v1/auth/identities/\(UUID().uuidString)", nil, token)
    }
}
