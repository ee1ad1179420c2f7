import Foundation
import HTTPTypes
import Hummingbird
import Models
import NIOCore
import ServiceKit

/// `/v1/statements`: monthly, quarterly, annual and tax statements per investor (seed 001
/// `investments.statements`). Staff (admins) draw them up, make them final and send them; an
/// investor reads their own once final. `draft → final → sent`, never back.
struct StatementController: RouteController {
    let store: StatementStore

    struct NewStatement: Decodable, Sendable {
        var investorId: UUID
        var type: String
        var periodStart: CalendarDate
        var periodEnd: CalendarDate
    }

    struct StatementRun: Decodable, Sendable {
        var type: String
        var periodStart: CalendarDate
        var periodEnd: CalendarDate
    }

    struct StatementRunResult: Codable, Sendable, ResponseEncodable {
        var type: String
        var periodStart: CalendarDate
        var periodEnd: CalendarDate
        var drafted: Int
        var alreadyFinal: Int
    }

    struct ListFilter: Sendable {
        var investorId: UUID?
        var type: String?
        var status: String?

        init(_ query: Parameters) throws {
            self.investorId = try query["investor_id"].map { raw in
                guard let id = UUID(uuidString: String(raw)) else { throw Problem.validation(field: "investor_id", "must be a UUID") }
                return id
            }
            self.type = try query["type"].map { raw in
                guard StatementPeriod.Kind(rawValue: String(raw)) != nil else {
                    throw Problem.validation(field: "type", "must be one of monthly, quarterly, annual, tax")
                }
                return String(raw)
            }
            self.status = try query["status"].map { raw in
                guard ["draft", "final", "sent"].contains(String(raw)) else {
                    throw Problem.validation(field: "status", "must be draft, final or sent")
                }
                return String(raw)
            }
        }
    }

    /// Mounted at `/v1/statements`; every route needs a signed-in caller.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create).get(use: self.list)
            .post("runs", use: self.run)
            .get(":id", use: self.show)
            .get(":id/document", use: self.document)
            .post(":id/finalize", use: self.finalize)
            .post(":id/send", use: self.send)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        let staff = try context.identity.requireUser(Self.staffOnly)
        let body = try await request.decode(as: NewStatement.self, context: context)
        let period = try Self.period(body.type, body.periodStart, body.periodEnd)
        let draft = try await self.store.draft(for: body.investorId, period: period, by: staff, logger: context.logger)
        guard draft.created else { return JSONDocument(draft.document) }
        return JSONDocument(draft.document, status: .created, headers: [.location: "/v1/statements/\(draft.id.uuidString.lowercased())"])
    }

    @Sendable func run(_ request: Request, context: AuthenticatedContext) async throws -> StatementRunResult {
        try context.identity.requireRole(.admin)
        let staff = try context.identity.requireUser(Self.staffOnly)
        let body = try await request.decode(as: StatementRun.self, context: context)
        let period = try Self.period(body.type, body.periodStart, body.periodEnd)
        let (drafted, alreadyFinal) = try await self.store.draftAll(period: period, by: staff, logger: context.logger)
        return StatementRunResult(type: body.type, periodStart: period.start, periodEnd: period.end, drafted: drafted, alreadyFinal: alreadyFinal)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.store.list(
            try ListFilter(request.uri.queryParameters), for: context.identity, page: try PageRequest(request), logger: context.logger
        )
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        JSONDocument(try await self.store.find(try Self.id(context), for: context.identity, logger: context.logger))
    }

    @Sendable func document(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let stored = try await self.store.storedDocument(try Self.id(context), for: context.identity, logger: context.logger)
        let etag = "\"\(stored.sha256)\""
        var headers: HTTPFields = [
            .eTag: etag,
            .cacheControl: "private, max-age=0, must-revalidate",
            .xContentTypeOptions: "nosniff",
            // The document is self-contained: no scripts, no remote resources.
            .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'",
        ]
        if let match = request.headers[.ifNoneMatch], EntityTags.ifNoneMatch(match, matches: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = stored.contentType
        headers[.contentDisposition] = "inline; filename=\"\(stored.filename)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: stored.html)))
    }

    @Sendable func finalize(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        return JSONDocument(try await self.store.finalize(try Self.id(context), context: context.callContext, logger: context.logger))
    }

    @Sendable func send(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try context.identity.requireRole(.admin)
        return JSONDocument(try await self.store.send(try Self.id(context), context: context.callContext, logger: context.logger))
    }

    static func period(_ type: String, _ start: CalendarDate, _ end: CalendarDate) throws -> StatementPeriod {
        do {
            return try StatementPeriod.validated(kind: type, start: start, end: end)
        } catch {
            throw error.problem()
        }
    }

    /// Statements record who drew them up: an admin user, not a service client.
    static let staffOnly = "Statements are drawn up by a signed-in admin, not a service client."

    static func id(_ context: AuthenticatedContext) throws -> UUID {
        try context.parameters.uuid("id", "statement")
    }
}
