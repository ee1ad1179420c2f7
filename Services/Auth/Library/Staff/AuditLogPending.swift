// TEMPORARY: the lead's Audit/AuditLog.swift API, until it lands in main; deleted at the merge.
import Foundation
import Logging
import PostgresNIO

enum AuditActor: Sendable, Equatable {
    case user(UUID)
    case staff(UUID)
    case service(String)
    case system
}
enum AuditTarget: Sendable, Equatable {
    case user(UUID)
    case resource(type: String, id: String)
}
struct AuditRequest: Sendable, Equatable {
    var requestID: String?
    var ip: String?
}
struct AuditEntry: Sendable, Equatable {
    var action: String
    var actor: AuditActor
    var target: AuditTarget?
    var before: [String: String]?
    var after: [String: String]?
    var request: AuditRequest?

    init(
        action: String, actor: AuditActor, target: AuditTarget? = nil, before: [String: String]? = nil, after: [String: String]? = nil,
        request: AuditRequest? = nil
    ) {
        self.action = action
        self.actor = actor
        self.target = target
        self.before = before
        self.after = after
        self.request = request
    }
}
enum AuditLog {
    static func record(_ entry: AuditEntry, on connection: PostgresConnection, logger: Logger) async throws {}
    static func existingPseudonym(for userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? { nil }
}
