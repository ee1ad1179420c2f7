import Foundation
import HTTPTypes
import Hummingbird
import Models
import PostgresNIO
import ServiceKit

/// `/v1/communications/events`: webinars and events (seed 001 §2.4). Sponsors host events for
/// their properties, staff host platform events; signed-in users see published events and register
/// for them. Someone else's draft is 404; a visible event that is not yours to manage is 403.
struct EventController: RouteController {
    let store: EventStore
    let registrations: EventRegistrations
    let hosts: EventHosts
    let limiter: RateLimiter
    let settings: WebinarSettings

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create)
            .get(use: self.list)
            .get(":id", use: self.show)
            .patch(":id", use: self.update)
            .post(":id/publish", use: self.publish)
            .post(":id/cancel", use: self.cancel)
            .post(":id/recording", use: self.attachRecording)
            .post(":id/registrations", use: self.register)
            .get(":id/registrations", use: self.listRegistrations)
            .delete(":id/registrations/:registration_id", use: self.cancelRegistration)
            .post(":id/registrations/:registration_id/check-in", use: self.checkIn)
            .get(":id/registrations/{registration_id}.ics", use: self.calendar)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let host = try context.identity.requireUser("Only people host events.")
        let body = try await request.decode(as: JSONValue.self, context: context)
        let form = try EventForm.read(body, creating: true, now: self.store.clock.now)
        try await self.hosts.authorize(context.identity, property: form.propertyID, context: context.callContext)
        let organization = context.identity.organizationID.flatMap(UUID.init(uuidString:))
        let limits: (PostgresConnection) async throws -> Void = { connection in
            try await self.limiter.take(
                "event_create", for: host.uuidString.lowercased(), bucket: self.settings.eventsPerHost, on: connection, logger: context.logger)
        }
        return try await self.store.create(form, host: host, organization: organization, limits: limits, logger: context.logger)
    }

    /// `?hosting=true`: the caller's own events, drafts included. `?property_id=`: one property's.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let query = request.uri.queryParameters
        func flag(_ name: String) throws -> Bool {
            guard let raw = query[Substring(name)] else { return false }
            guard let value = Bool(String(raw)) else { throw Problem.validation(field: name, "must be true or false") }
            return value
        }
        let hosting = try flag("hosting")
        let registered = try flag("registered")
        if hosting && registered { throw Problem.validation(field: "registered", "cannot be asked together with hosting") }
        var property: UUID?
        if let raw = query["property_id"] {
            guard let id = UUID(uuidString: String(raw)) else { throw Problem.validation(field: "property_id", "must be a UUID") }
            property = id
        }
        return try await self.store.list(
            for: context.identity, hosting: hosting, registered: registered, property: property,
            page: try PageRequest(request, order: EventStore.soonestFirst),
            logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.document(try Self.id(context), for: context.identity, logger: context.logger))
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try Self.id(context)
        let patch = try await request.decode(as: JSONValue.self, context: context)
        return JSONDocument(try await self.store.update(id, patch: patch, by: context.identity, logger: context.logger))
    }

    @Sendable func publish(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.publish(try Self.id(context), by: context.identity, logger: context.logger))
    }

    @Sendable func cancel(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.cancel(try Self.id(context), by: context.identity, logger: context.logger))
    }

    /// Body `{"recording_url": "https://…"}`, once the event is over.
    @Sendable func attachRecording(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try Self.id(context)
        try await self.store.requireManaged(id, by: context.identity, logger: context.logger)
        var fields = try BodyFields(
            try await request.decode(as: JSONValue.self, context: context), allowed: ["recording_url"], required: ["recording_url"])
        let url = fields.text("recording_url", max: EventForm.maximumURL, required: true)
        if let url, !EventForm.isWebURL(url) { fields.add("recording_url", "must be an https:// (or http://) link") }
        try fields.check()
        guard let url else { throw Problem.validation(field: "recording_url", "is required") }
        return JSONDocument(try await self.store.attachRecording(id, url: url, by: context.identity, logger: context.logger))
    }

    /// Registers the caller; no body.
    @Sendable func register(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try Self.id(context)
        let user = try context.identity.requireUser("Only people register for events.")
        let limits: (PostgresConnection) async throws -> Void = { connection in
            try await self.limiter.take(
                "event_register", for: user.uuidString.lowercased(), bucket: self.settings.registrationsPerUser, on: connection,
                logger: context.logger)
        }
        return try await self.registrations.register(id, identity: context.identity, limits: limits, logger: context.logger)
    }

    /// The host's registrant list, in registration order; `?status=` narrows it.
    @Sendable func listRegistrations(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let statuses = ["registered", "waitlisted", "cancelled", "attended"]
        let status = request.uri.queryParameters["status"].map(String.init)
        if let status, !statuses.contains(status) {
            throw Problem.validation(field: "status", "must be one of: \(statuses.joined(separator: ", "))")
        }
        return try await self.registrations.list(
            try Self.id(context), status: status, identity: context.identity, page: try PageRequest(request, order: .oldestFirst),
            logger: context.logger)
    }

    @Sendable func cancelRegistration(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(
            try await self.registrations.cancel(
                try Self.id(context), registration: try Self.registrationID(context), identity: context.identity, logger: context.logger))
    }

    @Sendable func checkIn(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(
            try await self.registrations.checkIn(
                try Self.id(context), registration: try Self.registrationID(context), identity: context.identity, logger: context.logger))
    }

    /// `text/calendar` (RFC 5545), offered as a download.
    @Sendable func calendar(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let text = try await self.registrations.calendar(
            try Self.id(context), registration: try Self.registrationID(context), identity: context.identity, logger: context.logger)
        let buffer = ByteBuffer(string: text)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/calendar; charset=utf-8", .contentLength: String(buffer.readableBytes),
                .contentDisposition: "attachment; filename=\"event.ics\"", .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: buffer))
    }

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "event")
    }

    static func registrationID(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("registration_id", "registration")
    }
}
