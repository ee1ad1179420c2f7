import Foundation
import HTTPTypes
import Hummingbird
import Models
import PostgresNIO
import ServiceKit

/// `/v1/communications/team-requests`: "speak to the team" (seed 000 entry point 5). Anyone may
/// ask — a signed-in user, or a visitor with an address and consent — and the request lands in the
/// staff inbox as a `team` conversation. Staff (the admin role) list, assign, answer and close
/// requests; a requester sees their own. Someone else's request is 404 to a non-staff caller, so
/// ids reveal nothing.
struct TeamRequestController: RouteController {
    let store: TeamRequestStore
    let limiter: RateLimiter
    let settings: TeamSettings
    let trustedProxies: TrustedProxies
    let clock: ServiceClock

    /// `POST /v1/communications/team-requests`: open to anonymous visitors.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post(use: self.create)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .get("mine", use: self.listOwn)
            .get(":id", use: self.show)
            .post(":id/assign", use: self.assign)
            .post(":id/answer", use: self.answer)
            .post(":id/close", use: self.close)
    }

    @Sendable func create(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        var request = request
        // A token that is there must be a user's: a service has nothing to ask the team.
        let requester = try context.identity.map { try $0.requireUser("Only people ask to speak to the team.") }
        let claim = try await IdempotentRequests.claim(
            &request, owner: requester?.uuidString.lowercased() ?? "anonymous", limit: context.maxUploadSize, required: false)
        let body = try await request.decode(as: JSONValue.self, context: context)
        let form = try TeamRequestForm.read(body, signedIn: requester != nil, now: self.clock.now)
        let address = ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies) ?? "unknown"
        // Only well-formed requests count, so typos burn nobody's quota. The client address pays
        // for every attempt, refused or replayed (it guards against floods); the requester's
        // allowance (it guards their mailbox) is taken inside the idempotent work on its
        // transaction, so a replayed retry or a request that fails costs it nothing.
        try await self.limiter.take("team_request_ip", for: address, bucket: self.settings.requestsPerIP, logger: context.logger)
        let who = requester.map { "user:\($0.uuidString.lowercased())" } ?? "email:\(form.email?.lowercased() ?? "")"
        let limits: (PostgresConnection) async throws -> Void = { connection in
            try await self.limiter.take(
                "team_request_requester", for: who, bucket: self.settings.requestsPerRequester, on: connection, logger: context.logger)
        }
        return try await self.store.create(form, requester: requester, claim: claim, limits: limits, logger: context.logger)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try Self.requireStaff(context)
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !TeamRequestStore.statuses.contains(status) {
            throw Problem.validation(field: "status", "must be one of: \(TeamRequestStore.statuses.joined(separator: ", "))")
        }
        return try await self.store.list(status: status, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func listOwn(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser("Only people ask to speak to the team.")
        return try await self.store.list(requester: user, page: try PageRequest(request), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.document(try Self.id(context), visibleTo: context.identity, logger: context.logger))
    }

    /// Body `{"assignee_id": "…"}`, or no body to take the request oneself.
    @Sendable func assign(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try Self.requireStaff(context)
        let id = try Self.id(context)
        let staff = try context.identity.requireUser()
        var assignee = staff
        if request.headers[.contentType] != nil {
            var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["assignee_id"])
            assignee = fields.uuid("assignee_id") ?? staff
            try fields.check()
        }
        return JSONDocument(try await self.store.assign(id, to: assignee, logger: context.logger))
    }

    /// Body `{"message": "…"}`: posted into the conversation as the team, and mailed to an
    /// anonymous requester. `Idempotency-Key` makes a retry answer once.
    @Sendable func answer(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        var request = request
        try Self.requireStaff(context)
        let id = try Self.id(context)
        let claim = try await IdempotentRequests.claim(
            &request, owner: context.identity.subject, limit: context.maxUploadSize, required: false)
        var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["message"], required: ["message"])
        let message = TeamRequestForm.plainText(&fields, "message", max: TeamRequestStore.maximumAnswerLength)
        try fields.check()
        guard let message else { throw Problem.validation(field: "message", "is required") }
        return try await self.store.answer(id, message: message, claim: claim, logger: context.logger)
    }

    @Sendable func close(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try Self.requireStaff(context)
        return JSONDocument(try await self.store.close(try Self.id(context), logger: context.logger))
    }

    /// Staff are the admin role (Roles.swift).
    static func requireStaff(_ context: AuthenticatedContext) throws {
        try context.identity.requireRole(.admin)
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "team request")
    }
}
