import Foundation
import Models
import ServiceKit
import Testing

/// The pure rules behind personal API tokens: their shape, and which requests a token's scopes
/// let through in a service (the one check the kit makes for every service).
@Suite struct APITokenPolicyTests {
    @Test func tokensHaveTheDocumentedShapeAndAnythingElseIsRefusedBeforeAQuery() {
        let (token, prefix) = APITokenFormat.make()
        #expect(token.utf8.count == APITokenFormat.length)
        #expect(token.hasPrefix("tract_\(prefix)_"))
        #expect(APITokenFormat.lookupPrefix(of: token) == prefix)
        #expect(APITokenFormat.claims(token))
        #expect(APITokenFormat.make().token != token)
        for bad in [
            "", "tract_", "tract_abcdefgh_", "tract_ABCDEFGH_" + String(token.suffix(43)), "tract_abcdefgh-" + String(token.suffix(43)),
            "tract_abcdefgh_" + String(token.suffix(42)), token + "A", "tract_abcdefgh_" + String(repeating: "=", count: 43),
            "tract_abcdéfgh_" + String(token.suffix(43)), "eyJhbGciOiJFZERTQSJ9.e30.sig",
        ] {
            #expect(APITokenFormat.lookupPrefix(of: bad) == nil, "\(bad)")
        }
        #expect(!APITokenFormat.claims("eyJhbGciOiJFZERTQSJ9.e30.sig"))
        // Only the hash is stored: the SHA-256 of the whole token, hex.
        #expect(APITokenFormat.hash(token).count == 64 && !APITokenFormat.hash(token).contains(prefix))
    }

    @Test func writeBringsReadAndScopesAreKeptInOneOrder() {
        #expect(APITokenScope.all.count == 10)
        #expect(APITokenScope.normalized(["investments:write"]) == ["investments:read", "investments:write"])
        #expect(APITokenScope.normalized(["analytics:read", "auth:read", "auth:read"]) == ["auth:read", "analytics:read"])
    }

    @Test func aTokenReachesOnlyWhatItsScopesAllow() {
        func refusal(
            _ method: String, _ path: String, _ scopes: Set<String>, _ service: ServiceName = .investments, reach: APITokenReach = .everyPublicRoute
        )
            -> String?
        {
            APITokenPolicy.refusal(method: method, path: path, service: service, scopes: scopes, reach: reach)
        }
        let read: Set = ["investments:read"]
        let write: Set = ["investments:read", "investments:write"]
        #expect(refusal("GET", "/v1/portfolio", read) == nil)
        #expect(refusal("HEAD", "/v1/portfolio", read) == nil)
        #expect(refusal("POST", "/v1/investor-profile", read)?.contains("\"investments:write\"") == true)
        #expect(refusal("DELETE", "/v1/investments/1", read) != nil)
        #expect(refusal("PATCH", "/v1/investor-profile", write) == nil)
        // Another service's scope is no scope here.
        #expect(refusal("GET", "/v1/portfolio", ["properties:read", "properties:write"])?.contains("\"investments:read\"") == true)
        #expect(refusal("GET", "/v1/portfolio", ["investments:write"]) != nil)
        // Internal routes never, however spelt; probes and documents are public anyway.
        for path in ["/internal/events", "/internal", "//internal/events", "/%69nternal/events", "/internal/v1/users/x"] {
            #expect(refusal("POST", path, write) == "API tokens cannot call internal routes.", "\(path)")
        }
        #expect(refusal("GET", "/health/ready", []) == nil)
        #expect(refusal("GET", "/openapi.json", []) == nil)
        // Auth opens only the paths it lists, whatever the token holds.
        let authReach = APITokenReach.only(["/v1/auth/me", "/v1/auth/me/login-history"])
        let all = Set(APITokenScope.all)
        #expect(refusal("GET", "/v1/auth/me", all, .auth, reach: authReach) == nil)
        #expect(refusal("GET", "/v1/auth/me/", all, .auth, reach: authReach) == nil)
        #expect(refusal("PATCH", "/v1/auth/me", ["auth:read"], .auth, reach: authReach)?.contains("auth:write") == true)
        for path in [
            "/v1/auth/api-tokens", "/v1/auth/api-tokens/", "//v1/auth/api-tokens", "/v1/auth/me/password", "/v1/auth/token", "/v1/auth/%61pi-tokens",
        ] {
            #expect(refusal("POST", path, all, .auth, reach: authReach)?.hasPrefix("API tokens cannot call") == true, "\(path)")
        }
    }

    @Test func anAPITokenIdentityIsNeitherASessionNorAService() throws {
        let id = UUID()
        let identity = Identity(
            apiToken: APITokenIntrospection(
                tokenId: id, userId: UUID(), roles: [.investor], scopes: ["service", "investments:read"], expiresAt: Date(), mfaEnrolled: true))
        #expect(identity.apiTokenID == id && identity.sessionID == nil)
        #expect(!identity.isService)
        #expect(throws: Problem.self) { try identity.requireSession() }
        // A user with a second factor: the token proves none, so step-up routes refuse it.
        #expect(throws: Problem.self) { try identity.requireRecentMFA() }
        #expect(throws: Never.self) { try Identity(subject: "x", sessionID: "s").requireSession() }
    }
}
