import Foundation
import Logging
import Models
import NIOCore
import NIOHTTP1

/// Who a personal API token speaks for. Every service but auth asks auth over HTTP
/// (`AuthAPITokenIntrospector`); auth reads its own table. Either way the answer is fresh for each
/// request: nothing positive is cached, so a revoked token is refused on the next request, in every
/// service (issue 16: "revoked tokens refused at once"). Throws a 401 `Problem` for a token that is
/// unknown, revoked or expired, or whose user is no longer active; 429 when the token is over its
/// rate limit.
public protocol APITokenIntrospector: Sendable {
    func identity(of token: String, clientIP: String?, context: CallContext, logger: Logger) async throws -> Identity
}

/// Asks auth's `POST /internal/v1/api-tokens/introspect` with the service's own token.
///
/// One round trip per API-token request is the price of immediate revocation. API tokens are for
/// scripts and integrations, not the app's every click, and auth answers from one indexed lookup;
/// a cache of even a few seconds would let a revoked token keep working in four services while
/// auth refuses it, which is exactly what the user who revoked it fears.
public struct AuthAPITokenIntrospector: APITokenIntrospector {
    let internalClient: InternalHTTPClient
    let authURL: URL

    public init(internalClient: InternalHTTPClient, authURL: URL) {
        self.internalClient = internalClient
        self.authURL = authURL
    }

    /// The introspector at the `auth` peer of `dependencies`' configuration.
    public init(_ dependencies: ServiceDependencies) {
        self.init(
            internalClient: dependencies.internalClient,
            authURL: dependencies.configuration.events.peers[ServiceName.auth.rawValue]
                ?? URL(string: "http://127.0.0.1:\(ServiceName.auth.defaultPort)")!
        )
    }

    public func identity(of token: String, clientIP: String?, context: CallContext, logger: Logger) async throws -> Identity {
        // A malformed token never costs auth a call.
        guard APITokenFormat.lookupPrefix(of: token) != nil else { throw Problem.unauthorized("The API token is not well formed.") }
        let body = try JSONEncoder.tract.encode(APITokenIntrospectionRequest(token: token, clientIp: clientIP))
        let reply: InternalHTTPClient.Reply
        do {
            reply = try await self.internalClient.send(
                .POST, self.authURL.appendingPathComponent("internal/v1/api-tokens/introspect"),
                json: String(decoding: body, as: UTF8.self), context: context)
        } catch {
            logger.warning("API token introspection failed", metadata: ["error": .string("\(error)")])
            throw Problem.serviceUnavailable("The API token could not be checked; try again shortly.")
        }
        switch reply.status {
        case 200:
            return Identity(apiToken: try reply.decode(as: APITokenIntrospection.self))
        case 401:
            throw Problem.unauthorized(Self.detail(of: reply) ?? "The API token is not valid.")
        case 429:
            let retryAfter = reply.headers.first(name: "Retry-After").flatMap(Int.init) ?? 1
            throw Problem.tooManyRequests(retryAfterSeconds: retryAfter, detail: Self.detail(of: reply) ?? "This API token made too many requests.")
        default:
            logger.warning("API token introspection answered unexpectedly", metadata: ["status": .stringConvertible(reply.status)])
            throw Problem.serviceUnavailable("The API token could not be checked; try again shortly.")
        }
    }

    /// auth's own words for a refusal (expired, revoked, rate limited), passed on to the caller.
    static func detail(of reply: InternalHTTPClient.Reply) -> String? {
        (try? reply.decode(as: ProblemDetails.self))?.detail
    }
}
