import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

/// `POST /v1/auth/me/export` answers 202 with the export to poll.
struct DataExportAccepted: ResponseGenerator, Sendable {
    var export: DataExportStatus

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try TractResponseEncoder().encode(self.export, from: request, context: context)
        response.status = .accepted
        response.headers[.location] = "/v1/auth/me/exports/\(self.export.id.uuidString.lowercased())"
        return response
    }
}

/// The signed-in user's data export (issue 16, privacy; GDPR Art. 15 and 20): ask for one,
/// follow it, download it while it lasts. Only its owner ever sees an export: another user's id is
/// a 404, as is an id that does not exist. Mounted at `/v1/auth/me`.
struct DataExportController: RouteController {
    let auth: AuthContext
    let exports: DataExports

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("export", use: self.request)
            .get("exports/:id", use: self.show)
            .get("exports/:id/download", use: self.download)
    }

    /// A new export, or the one still being gathered. Limited per user: gathering reads every
    /// service's tables.
    @Sendable func request(_ request: Request, context: AuthenticatedContext) async throws -> DataExportAccepted {
        let userID = try ConsentController.userID(context)
        // The whole account in one file: a stolen session must not be enough.
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        try await self.auth.limiter.take(
            "data_export_user", for: userID.uuidString.lowercased(), bucket: self.exports.settings.exportsPerUser, logger: context.logger)
        let audit = AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))
        return DataExportAccepted(export: try await self.exports.request(userID: userID, audit: audit, logger: context.logger).export)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> DataExportStatus {
        let id = try context.parameters.uuid("id", "export")
        guard let export = try await self.exports.find(id, userID: try ConsentController.userID(context), logger: context.logger) else {
            throw Problem.notFound("No export of yours has this id.")
        }
        return export
    }

    /// The archive as a JSON attachment no cache keeps. 409 while it is being gathered or after it
    /// failed, 410 once it has expired.
    @Sendable func download(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("id", "export")
        let userID = try ConsentController.userID(context)
        try await self.auth.requireStepUp(context.identity, logger: context.logger)
        guard let export = try await self.exports.find(id, userID: userID, logger: context.logger) else {
            throw Problem.notFound("No export of yours has this id.")
        }
        switch export.status {
        case "expired": throw Problem(.gone, detail: "This export has expired and was deleted; ask for a new one.")
        case "ready": break
        default: throw Problem.conflict("This export is \(export.status), not ready; GET /v1/auth/me/exports/{id} says when it is.")
        }
        // It may expire between the two reads: then it is gone.
        guard let archive = try await self.exports.archive(id, userID: userID, logger: context.logger) else {
            throw Problem(.gone, detail: "This export has expired and was deleted; ask for a new one.")
        }
        // Who took a copy of the whole account, and from where.
        try await self.auth.postgres.withConnection { connection in
            try await AuditLog.record(
                AuditEntry(
                    action: "data_export.downloaded", actor: .user(userID), target: .resource(type: "data_export", id: id.uuidString.lowercased()),
                    request: AuditRequest(requestID: context.requestID, ip: self.auth.clientIP(request, context))),
                on: connection, logger: context.logger)
        }
        let headers: HTTPFields = [
            .contentType: "application/json",
            .contentDisposition: ContentDisposition.value(attachment: true, fileName: "tract-data-export-\(id.uuidString.lowercased()).json"),
            .cacheControl: "private, no-store",
            .xContentTypeOptions: "nosniff",
        ]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: archive)))
    }
}
