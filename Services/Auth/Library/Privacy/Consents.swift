import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A kind's current state: the newest row of that kind.
struct ConsentRecord: Codable, Sendable, Equatable {
    var version: String
    var granted: Bool
    var recordedAt: Date
}

/// `GET/PUT /v1/auth/me/consents`: each kind's current state, null when never recorded.
struct ConsentState: Codable, Sendable, ResponseEncodable {
    var terms: ConsentRecord?
    var privacy: ConsentRecord?
    var marketing: ConsentRecord?

    enum CodingKeys: String, CodingKey { case terms, privacy, marketing }

    /// Every kind is present, null when never recorded: "not asked yet" is an answer.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.terms, forKey: .terms)
        try container.encode(self.privacy, forKey: .privacy)
        try container.encode(self.marketing, forKey: .marketing)
    }
}

/// One row of the history (`GET /v1/auth/me/consents/history`).
struct ConsentHistoryEntry: Codable, Sendable, ResponseEncodable {
    var id: UUID
    var kind: String
    var version: String
    var granted: Bool
    var ipAddress: String?
    var recordedAt: Date
}

/// `auth.consents`: append-only, so the history proves what was agreed when (GDPR Art. 7(1)).
struct Consents: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    /// Adds a row unless the kind's newest row already says the same (a repeated PUT, a second
    /// sign-up with the same terms), in one statement so two requests at once cannot both add it.
    @discardableResult
    func record(
        _ kind: ConsentKind, _ statement: ConsentStatement, userID: UUID, ip: String?, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO auth.consents (id, user_id, kind, version, granted, ip_address)
            SELECT \(self.ids.next()), \(userID), \(kind.rawValue), \(statement.version), \(statement.granted), \(ip)::inet
            WHERE NOT EXISTS (
                SELECT 1 FROM (
                    SELECT version, granted FROM auth.consents WHERE user_id = \(userID) AND kind = \(kind.rawValue)
                    ORDER BY created_at DESC, id DESC LIMIT 1
                ) newest
                WHERE newest.version = \(statement.version) AND newest.granted = \(statement.granted)
            )
            RETURNING id
            """,
            logger: logger)
        var added = false
        for try await _ in rows.decode(UUID.self) { added = true }
        return added
    }

    func current(userID: UUID, logger: Logger) async throws -> ConsentState {
        let rows = try await self.postgres.query(
            """
            SELECT DISTINCT ON (kind) kind, version, granted, created_at FROM auth.consents
            WHERE user_id = \(userID) ORDER BY kind, created_at DESC, id DESC
            """,
            logger: logger)
        var state = ConsentState()
        for try await (kind, version, granted, at) in rows.decode((String, String, Bool, Date).self) {
            let record = ConsentRecord(version: version, granted: granted, recordedAt: at)
            switch ConsentKind(rawValue: kind) {
            case .terms: state.terms = record
            case .privacy: state.privacy = record
            case .marketing: state.marketing = record
            case nil: continue
            }
        }
        return state
    }

    /// Newest first (`Keyset.newestFirst`).
    func history(userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<ConsentHistoryEntry> {
        var binds = SQLBinds()
        let sql = """
            SELECT x.id, x.kind, x.version, x.granted, host(x.ip_address), x.created_at, \(page.selectKey)
            FROM auth.consents x
            WHERE x.user_id = \(binds.add(userID)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        var entries: [(item: ConsentHistoryEntry, key: String, id: UUID)] = []
        for try await row in rows.decode((UUID, String, String, Bool, String?, Date, String).self) {
            let entry = ConsentHistoryEntry(id: row.0, kind: row.1, version: row.2, granted: row.3, ipAddress: row.4, recordedAt: row.5)
            entries.append((entry, row.6, row.0))
        }
        return page.page(entries)
    }
}
