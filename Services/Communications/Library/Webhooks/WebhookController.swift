import Foundation
import Hummingbird
import Models
import ServiceKit

/// `/v1/communications/webhooks`: sponsors (and staff, for platform-wide events) register
/// endpoints, see each delivery and its attempts, replay one, send a test event, and rotate the
/// signing secret. The secret is shown when the endpoint is made and at each rotation, never again.
struct WebhookController: RouteController {
    let store: WebhookEndpoints
    let resolver: WebhookResolver
    let limiter: RateLimiter
    let settings: WebhookSettings

    static let descriptionMax = 500

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create).get(use: self.list)
            .get(":id", use: self.show).patch(":id", use: self.update).delete(":id", use: self.remove)
            .post(":id/rotate-secret", use: self.rotate)
            .post(":id/test", use: self.test)
            .get(":id/deliveries", use: self.deliveries)
            .get(":id/deliveries/:delivery_id/attempts", use: self.attempts)
            .post(":id/deliveries/:delivery_id/replay", use: self.replay)
    }

    /// A sponsor or staff, or 403.
    static func owner(_ context: AuthenticatedContext) throws -> UUID {
        let user = try context.identity.requireUser()
        try context.identity.requireRole(.sponsor, .admin)
        return user
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let body = try await request.decode(as: JSONValue.self, context: context)
        let fields = try await self.read(body, stored: nil)
        let organization = context.identity.organizationID.flatMap(UUID.init(uuidString:))
        let scope = context.identity.has(role: .admin) ? "platform" : "sponsor"
        let (document, secret) = try await self.store.create(
            fields, owner: owner, organization: organization, scope: scope, logger: context.logger)
        let id = try Self.idOf(document)
        return JSONDocument(
            Self.adding(secret: secret.encoded, to: document), status: .created,
            headers: [.location: "/v1/communications/webhooks/\(id)", .cacheControl: "no-store"])
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        return try await self.store.list(owner: owner, page: try PageRequest(request, order: WebhookEndpoints.order), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        return JSONDocument(try await self.store.document(try Self.id(context), owner: owner, logger: context.logger))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let id = try Self.id(context)
        let patch = try await request.decode(as: JSONValue.self, context: context)
        let stored = try await self.store.fields(id, owner: owner, logger: context.logger)
        let fields = try await self.read(patch, stored: stored)
        return JSONDocument(try await self.store.update(id, owner: owner, to: fields, logger: context.logger))
    }

    @Sendable func remove(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let owner = try Self.owner(context)
        try await self.store.delete(try Self.id(context), owner: owner, logger: context.logger)
        return .noContent
    }

    @Sendable func rotate(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let (secret, expires) = try await self.store.rotate(try Self.id(context), owner: owner, logger: context.logger)
        let text = String(
            decoding: try JSONEncoder.tract.encode(
                JSONValue.object(["secret": .string(secret.encoded), "previous_secret_expires_at": .string(RFC3339.string(from: expires))])),
            as: UTF8.self)
        return JSONDocument(text, headers: [.cacheControl: "no-store"])
    }

    @Sendable func test(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let id = try Self.id(context)
        // Each call makes Tract call out: limited per user.
        try await self.limiter.take("webhook_call", for: owner.uuidString.lowercased(), bucket: self.settings.callsPerUser, logger: context.logger)
        return JSONDocument(try await self.store.queueTest(endpoint: id, owner: owner, logger: context.logger), status: .accepted)
    }

    @Sendable func deliveries(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let id = try Self.id(context)
        var errors = FieldErrors()
        let status = request.uri.queryParameters["status"].map(String.init)
        errors.oneOf("status", status, ["pending", "delivered", "failed"])
        try errors.check()
        return try await self.store.deliveries(
            endpoint: id, owner: owner, status: status, page: try PageRequest(request, order: WebhookEndpoints.order), logger: context.logger)
    }

    @Sendable func attempts(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let id = try Self.id(context)
        let delivery = try context.parameters.uuid("delivery_id", "delivery")
        return try await self.store.attempts(
            endpoint: id, delivery: delivery, owner: owner, page: try PageRequest(request, order: WebhookEndpoints.attemptOrder),
            logger: context.logger)
    }

    @Sendable func replay(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let owner = try Self.owner(context)
        let id = try Self.id(context)
        let delivery = try context.parameters.uuid("delivery_id", "delivery")
        try await self.limiter.take("webhook_call", for: owner.uuidString.lowercased(), bucket: self.settings.callsPerUser, logger: context.logger)
        return JSONDocument(try await self.store.replay(endpoint: id, delivery: delivery, owner: owner, logger: context.logger), status: .accepted)
    }

    /// A create body (`stored` nil) or a PATCH laid over the stored fields, checked as a whole.
    func read(_ body: JSONValue, stored: WebhookEndpoints.Fields?) async throws -> WebhookEndpoints.Fields {
        let allowed: Set<String> = ["url", "description", "event_types", "enabled"]
        let derived: Set<String> = [
            "id", "scope", "organization_id", "disabled_reason", "disabled_at", "failing_since", "previous_secret_expires_at", "created_at",
            "updated_at", "secret",
        ]
        var fields = try BodyFields(body, allowed: allowed, derived: derived, required: ["url", "event_types", "enabled"])
        let creating = stored == nil
        var url = stored?.url
        if let value = fields.value("url") {
            if case .string(let text) = value {
                switch WebhookTarget.checkURL(text, allowHTTP: self.settings.allowHTTP) {
                case .success(let checked): url = checked.absoluteString
                case .failure(let refusal):
                    fields.add("url", refusal.message)
                    url = nil
                }
            } else {
                fields.add("url", "must be a string")
            }
        } else if creating {
            fields.add("url", "is required")
        }
        var description = stored?.description
        if fields.object.keys.contains("description") {
            description = fields.value("description") == nil ? nil : fields.text("description", max: Self.descriptionMax)
        }
        var types = stored?.eventTypes
        if let value = fields.value("event_types") {
            types = nil
            if case .array(let items) = value, (1...WebhookEvents.types.count).contains(items.count) {
                var chosen: [String] = []
                for item in items {
                    guard case .string(let type) = item, WebhookEvents.types.contains(type) else {
                        fields.add("event_types", "must list event types among: \(WebhookEvents.types.joined(separator: ", "))")
                        chosen = []
                        break
                    }
                    if !chosen.contains(type) { chosen.append(type) }
                }
                if !chosen.isEmpty { types = chosen }
            } else {
                fields.add("event_types", "must be a list of 1 to \(WebhookEvents.types.count) event types")
            }
        } else if creating {
            fields.add("event_types", "is required")
        }
        var enabled = stored?.enabled ?? true
        if let value = fields.value("enabled") {
            if case .bool(let flag) = value { enabled = flag } else { fields.add("enabled", "must be true or false") }
        }
        try fields.check()
        guard let url, let types else { throw Problem.validation(field: "url", "is required") }
        // The SSRF guard at registration, so the owner hears at once; each delivery checks again
        // (a name's addresses can change).
        if !self.settings.allowPrivateTargets, let host = URL(string: url)?.host, url != stored?.url {
            if case .failure(let refusal) = await self.resolver.address(for: host) {
                throw Problem.validation(field: "url", refusal.message)
            }
        }
        return WebhookEndpoints.Fields(url: url, description: description, eventTypes: types, enabled: enabled)
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "webhook endpoint")
    }

    static func idOf(_ document: String) throws -> String {
        guard case .string(let id)? = try JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))["id"] else {
            throw Problem(.internalServerError, detail: "The endpoint was stored without an id.")
        }
        return id
    }

    /// The endpoint's document with its secret, for the one answer that shows it.
    static func adding(secret: String, to document: String) -> String {
        guard var object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(document.utf8)) else { return document }
        object["secret"] = .string(secret)
        return (try? String(decoding: JSONEncoder.tract.encode(JSONValue.object(object)), as: UTF8.self)) ?? document
    }
}
