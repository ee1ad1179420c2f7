import Foundation
import Hummingbird
import PostgresNIO
import ServiceKit

extension AuthContext {
    /// Records a security-relevant action of this folder through `AuditLog` (issue 16), in the
    /// transaction that makes the change, with the request's id and client address.
    func audit(
        _ action: String, actor: AuditActor, target: AuditTarget, before: [String: String]? = nil, after: [String: String]? = nil,
        request: Request, context: AuthenticatedContext, on connection: PostgresConnection
    ) async throws {
        try await AuditLog.record(
            AuditEntry(
                action: action, actor: actor, target: target, before: before, after: after,
                request: AuditRequest(requestID: context.requestID, ip: self.clientIP(request, context))),
            on: connection, logger: context.logger)
    }
}

extension AuditTarget {
    static func resource(type: String, id: UUID) -> AuditTarget { .resource(type: type, id: id.uuidString.lowercased()) }
}
