import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Who did it.
enum AuditActor: Sendable, Equatable {
    /// A signed-in user acting on their own account or resources.
    case user(UUID)
    /// Staff (an admin) acting on someone else's account.
    case staff(UUID)
    /// A service client, by client id.
    case service(String)
    /// A sweep or scheduled job.
    case system
}

/// What it was done to.
enum AuditTarget: Sendable, Equatable {
    case user(UUID)
    /// Anything else, by type and id: `.resource(type: "api_token", id: "…")`.
    case resource(type: String, id: String)
}

/// Where the request came from, for investigations.
struct AuditRequest: Sendable, Equatable {
    var requestID: String?
    var ip: String?
}

/// One row of the audit log. `before` and `after` hold the changed settings (`["role": "investor"]`),
/// never user ids, emails or names: the row must stay free of personal data once its user is
/// forgotten (see 0011_audit_log.sql).
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

/// The append-only audit log (issue 16). Rows are written in the same transaction as the change they
/// record, so a change without its audit row (or the reverse) cannot commit. Users are stored as
/// pseudonyms (`audit_subjects`), made on first mention and forgotten with the account.
enum AuditLog {
    static func record(_ entry: AuditEntry, on connection: PostgresConnection, logger: Logger) async throws {
        let (actorKind, actor): (String, String?)
        switch entry.actor {
        case .user(let id): (actorKind, actor) = ("user", try await self.pseudonym(for: id, on: connection, logger: logger).uuidString.lowercased())
        case .staff(let id): (actorKind, actor) = ("staff", try await self.pseudonym(for: id, on: connection, logger: logger).uuidString.lowercased())
        case .service(let client): (actorKind, actor) = ("service", client)
        case .system: (actorKind, actor) = ("system", nil)
        }
        var targetKind: String?
        var target: String?
        switch entry.target {
        case .user(let id):
            targetKind = "user"
            target = try await self.pseudonym(for: id, on: connection, logger: logger).uuidString.lowercased()
        case .resource(let type, let id):
            targetKind = type
            target = id
        case nil:
            break
        }
        try await connection.query(
            """
            INSERT INTO auth.audit_log (id, actor_kind, actor, action, target_kind, target, before, after, request_id, ip)
            VALUES (\(UUIDv7.make(at: Date())), \(actorKind), \(actor), \(entry.action), \(targetKind), \(target),
                    \(try self.json(entry.before))::jsonb, \(try self.json(entry.after))::jsonb,
                    \(entry.request?.requestID), \(entry.request?.ip)::inet)
            """,
            logger: logger
        )
    }

    /// The pseudonym audit rows use for `userID`, if any row ever mentioned the user (for queries:
    /// "everything done to this user"). `nil` also after the user was forgotten.
    static func existingPseudonym(for userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query("SELECT pseudonym FROM auth.audit_subjects WHERE user_id = \(userID)", logger: logger)
        for try await pseudonym in rows.decode(UUID.self) { return pseudonym }
        return nil
    }

    /// Unlinks every audit row about `userID` (account deletion) without changing a row: the
    /// pseudonym's mapping goes, the rows stay. Also happens when the user row is deleted (cascade).
    static func forget(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM auth.audit_subjects WHERE user_id = \(userID)", logger: logger)
    }

    /// A random (v4) pseudonym: a time-ordered id would tell when the user was first audited.
    private static func pseudonym(for userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID {
        let rows = try await connection.query(
            """
            INSERT INTO auth.audit_subjects (user_id, pseudonym) VALUES (\(userID), \(UUID()))
            ON CONFLICT (user_id) DO UPDATE SET user_id = excluded.user_id
            RETURNING pseudonym
            """,
            logger: logger
        )
        for try await pseudonym in rows.decode(UUID.self) { return pseudonym }
        throw Problem.notFound("No such user.")
    }

    private static func json(_ values: [String: String]?) throws -> String? {
        guard let values else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(values), as: UTF8.self)
    }
}
