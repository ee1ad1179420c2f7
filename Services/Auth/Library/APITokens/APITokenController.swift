import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `/v1/auth/api-tokens`: a signed-in user's personal API tokens (issue 16, seed 004 §1.5).
/// Create (the token is shown once), list, show, revoke. Only a session may manage tokens: an API
/// token is refused here by the kit (auth's `APITokenReach`) and again by `requireSession`, so a
/// token can never mint or revoke tokens.
struct APITokenController: RouteController {
    let auth: AuthContext
    let tokens: APITokens

    static let sessionOnly = "API tokens are managed by a signed-in user, not with an API token."

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create).get(use: self.list)
            .get(":id", use: self.show).delete(":id", use: self.revoke)
    }

    /// `{"name", "scopes": [...], "expires_in_days"}` → 201 with the token, shown this once.
    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> CreatedAPITokenReply {
        let userID = try self.owner(context)
        let ask = try APITokenRequest(
            try await request.decode(as: JSONValue.self, context: context), maximumDays: self.auth.settings.apiTokens.maximumLifetimeDays)
        // A long-lived credential is an account-security change: a user with a second factor
        // proves it recently first, as for a new passkey.
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        let audited = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        let created = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            let created = try await self.tokens.create(
                userID: userID, name: ask.name, scopes: ask.scopes, lifetimeDays: ask.expiresInDays, on: connection, logger: context.logger)
            // The name is the user's own words, so it stays out of the audit row.
            try await AuditLog.record(
                AuditEntry(
                    action: "api_token.created", actor: .user(userID), target: .resource(type: "api_token", id: created.id.uuidString.lowercased()),
                    after: ["scopes": created.scopes.joined(separator: " "), "expires_in_days": String(ask.expiresInDays)], request: audited),
                on: connection, logger: context.logger)
            return created
        }
        return CreatedAPITokenReply(token: created)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> Page<APITokenView> {
        let userID = try self.owner(context)
        return try await self.tokens.list(userID: userID, try PageRequest(request, order: .newestFirst), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> APITokenView {
        let userID = try self.owner(context)
        let id = try context.parameters.uuid("id", "API token")
        // Another user's token is reported as missing, not forbidden: ids reveal nothing.
        guard let view = try await self.tokens.find(id, of: userID, logger: context.logger) else { throw Problem.notFound("No such API token.") }
        return view
    }

    /// Revoked at once: the next request with the token is refused in every service.
    @Sendable func revoke(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let userID = try self.owner(context)
        let id = try context.parameters.uuid("id", "API token")
        let audited = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        let revoked = try await self.auth.postgres.transaction(logger: context.logger) { connection in
            guard try await self.tokens.revoke(id, of: userID, on: connection, logger: context.logger) else { return false }
            try await AuditLog.record(
                AuditEntry(
                    action: "api_token.revoked", actor: .user(userID), target: .resource(type: "api_token", id: id.uuidString.lowercased()),
                    request: audited),
                on: connection, logger: context.logger)
            return true
        }
        guard revoked else { throw Problem.notFound("No such API token.") }
        return .noContent
    }

    func owner(_ context: AuthenticatedContext) throws -> UUID {
        try context.identity.requireSession(Self.sessionOnly)
        return try context.identity.requireUser("API tokens belong to users, not to service clients.")
    }
}

/// The body of a create, checked field by field (every bad field named in one 422).
struct APITokenRequest: Sendable {
    var name: String
    var scopes: [String]
    var expiresInDays: Int

    static let defaultDays = 30

    init(_ body: JSONValue, maximumDays: Int) throws {
        var fields = try BodyFields(body, allowed: ["name", "scopes", "expires_in_days"], required: ["name", "scopes"])
        let name = fields.text("name", max: 100, required: true)
        var scopes: [String] = []
        switch fields.value("scopes") {
        case .array(let items)? where !items.isEmpty && items.count <= APITokenScope.all.count:
            for (index, item) in items.enumerated() {
                if case .string(let scope) = item, APITokenScope.all.contains(scope) {
                    scopes.append(scope)
                } else {
                    fields.add("scopes[\(index)]", "must be one of: \(APITokenScope.all.joined(separator: ", "))")
                }
            }
        case nil:
            fields.add("scopes", "is required: a list such as [\"investments:read\"]")
        default:
            fields.add("scopes", "must be a list of 1 to \(APITokenScope.all.count) scopes such as \"investments:read\"")
        }
        let days = fields.integer("expires_in_days", in: 1...maximumDays)
        try fields.check()
        self.name = name ?? ""
        self.scopes = APITokenScope.normalized(scopes)
        self.expiresInDays = days ?? min(Self.defaultDays, maximumDays)
    }
}

/// 201, and `Cache-Control: no-store`: the token is as sensitive as a password.
struct CreatedAPITokenReply: ResponseGenerator, Sendable {
    var token: CreatedAPIToken

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self.token, from: request, context: context)
        response.status = .created
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

/// `POST /internal/v1/api-tokens/introspect` (service tokens with `internal:api-tokens.introspect`):
/// who an API token acts for, for the other services' `AuthAPITokenIntrospector`. 401 for a token
/// that is not live, 429 when it is over its rate limit.
struct APITokenIntrospectionController: RouteController {
    let tokens: APITokens

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.introspectAPITokens))
            .post("introspect", use: self.introspect)
    }

    @Sendable func introspect(_ request: Request, context: AuthenticatedContext) async throws -> APITokenIntrospectionReply {
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["token", "client_ip"], required: ["token"])
        let token = fields.text("token", max: 200, required: true)
        let clientIP = fields.text("client_ip", max: 45)
        try fields.check()
        return APITokenIntrospectionReply(
            introspection: try await self.tokens.introspect(token ?? "", clientIP: clientIP, logger: context.logger))
    }
}

struct APITokenIntrospectionReply: ResponseEncodable {
    var introspection: APITokenIntrospection

    func encode(to encoder: any Encoder) throws { try self.introspection.encode(to: encoder) }
}
