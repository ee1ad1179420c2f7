import AsyncHTTPClient
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit

/// Who the provider says signed in, after its proof was checked.
struct ProviderIdentity: Sendable, Equatable {
    var provider: String
    /// `sub` of the ID token, or GitHub's numeric user id: stable, unlike emails and logins.
    var subject: String
    var email: String?
    /// Only a provider-verified address may create or match an account.
    var emailVerified: Bool
    var name: String?
    var avatarURL: String?
}

/// The token endpoint's answer (RFC 6749 §5.1; OIDC Core §3.1.3.3 adds `id_token`).
struct ProviderTokens: Decodable, Sendable {
    var accessToken: String?
    var idToken: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case idToken = "id_token"
        case error
    }
}

/// Calls to providers: the code exchange and GitHub's user API. Every answer is size-capped and
/// time-limited; none of the provider's words reach the client beyond a generic problem.
enum ProviderClient {
    static let timeout: TimeAmount = .seconds(10)
    static let maximumBytes = 256 * 1024

    static func providerRefused(_ detail: String = "The provider did not accept the sign-in.") -> Problem {
        Problem(.badRequest, detail: detail, type: "https://tract.dev/problems/provider-refused")
    }

    static var unavailable: Problem {
        Problem(.badGateway, detail: "The provider could not be reached.", type: "https://tract.dev/problems/provider-unavailable")
    }

    /// Redeems the authorization code (RFC 6749 §4.1.3) with the PKCE verifier (RFC 7636 §4.5).
    /// The client authenticates with `client_secret_post` unless the provider declares it supports
    /// only `client_secret_basic`.
    static func exchange(
        code: String,
        provider: OAuthProvider,
        tokenURL: URL,
        redirectURI: String,
        verifier: String,
        authMethods: [String]?,
        now: Date,
        logger: Logger
    ) async throws -> ProviderTokens {
        var secret = provider.clientSecret
        if let apple = provider.apple { secret = try await apple.make(now: now) }
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", verifier),
            ("client_id", provider.clientID),
        ]
        var request = HTTPClientRequest(url: tokenURL.absoluteString)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let secret {
            if let authMethods, !authMethods.contains("client_secret_post"), authMethods.contains("client_secret_basic") {
                let pair = "\(Self.formEncode(provider.clientID)):\(Self.formEncode(secret))"
                request.headers.add(name: "Authorization", value: "Basic \(Data(pair.utf8).base64EncodedString())")
            } else {
                fields.append(("client_secret", secret))
            }
        }
        request.body = .bytes(ByteBuffer(string: fields.map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")))
        let (status, data) = try await Self.send(request, logger: logger)
        let tokens = try? JSONDecoder().decode(ProviderTokens.self, from: data)
        guard status == .ok, let tokens, tokens.error == nil else {
            logger.notice("provider refused the code", metadata: ["provider": .string(provider.name), "status": .stringConvertible(status.code)])
            throw Self.providerRefused("The provider did not accept the sign-in code (\(tokens?.error ?? "HTTP \(status.code)")).")
        }
        return tokens
    }

    /// GitHub (plain OAuth 2.0): the user from `GET /user`, the address from `GET /user/emails`,
    /// which is the only place GitHub says whether an address is verified. Only the primary
    /// address counts, and only when verified.
    static func gitHubIdentity(accessToken: String, provider: String, endpoints: GitHubEndpoints, logger: Logger) async throws -> ProviderIdentity {
        struct User: Decodable {
            var id: Int64
            var login: String?
            var name: String?
            var avatarUrl: String?
            enum CodingKeys: String, CodingKey {
                case id, login, name
                case avatarUrl = "avatar_url"
            }
        }
        struct Email: Decodable {
            var email: String
            var primary: Bool
            var verified: Bool
        }
        let user: User = try await Self.gitHubGet("user", accessToken: accessToken, endpoints: endpoints, logger: logger)
        let emails: [Email] = try await Self.gitHubGet("user/emails", accessToken: accessToken, endpoints: endpoints, logger: logger)
        let primary = emails.first { $0.primary }
        return ProviderIdentity(
            provider: provider, subject: String(user.id), email: primary?.email, emailVerified: primary?.verified == true,
            name: user.name ?? user.login, avatarURL: user.avatarUrl)
    }

    static func gitHubGet<Value: Decodable>(_ path: String, accessToken: String, endpoints: GitHubEndpoints, logger: Logger) async throws -> Value {
        var request = HTTPClientRequest(url: endpoints.apiURL.appendingPathComponent(path).absoluteString)
        request.headers.add(name: "Accept", value: "application/vnd.github+json")
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        // GitHub refuses API requests without a User-Agent.
        request.headers.add(name: "User-Agent", value: "tract-auth")
        request.headers.add(name: "X-GitHub-Api-Version", value: "2022-11-28")
        let (status, data) = try await Self.send(request, logger: logger)
        guard status == .ok, let value = try? JSONDecoder().decode(Value.self, from: data) else {
            logger.notice("GitHub API refused", metadata: ["path": .string(path), "status": .stringConvertible(status.code)])
            throw Self.providerRefused("GitHub did not return the account's details.")
        }
        return value
    }

    static func send(_ request: HTTPClientRequest, logger: Logger) async throws -> (HTTPResponseStatus, Data) {
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: Self.timeout)
            let body = try await response.body.collect(upTo: Self.maximumBytes)
            return (response.status, Data(body.readableBytesView))
        } catch {
            logger.warning("provider request failed", metadata: ["url": .string(request.url), "error": .string("\(error)")])
            throw Self.unavailable
        }
    }

    /// `application/x-www-form-urlencoded` value encoding: everything but unreserved characters.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func formEncode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? value
    }
}
