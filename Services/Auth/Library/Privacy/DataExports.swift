import Crypto
import Foundation
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

/// A data export as its owner sees it (`GET /v1/auth/me/exports/{id}`).
struct DataExportStatus: Codable, Sendable, ResponseEncodable {
    var id: UUID
    /// `pending` (being gathered), `ready`, `failed` (a service stayed unreachable), `expired`.
    var status: String
    var createdAt: Date
    var completedAt: Date?
    var expiresAt: Date?
    var sizeBytes: Int64?
    /// Where a ready export is downloaded; null otherwise.
    var downloadUrl: String?
}

/// One export the gatherer has taken: whose, and which attempt this is.
struct ClaimedExport: Sendable {
    var id: UUID
    var userID: UUID
    var attempts: Int
}

/// `auth.data_exports` and `auth.data_export_archives`: requests, their state, sealed archives.
struct DataExports: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator
    let settings: PrivacySettings
    let key: StoredKey

    init(postgres: PostgresClient, clock: ServiceClock, ids: IDGenerator, settings: PrivacySettings) {
        self.postgres = postgres
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.key = StoredKey(configured: settings.exportKey, table: "auth.data_export_keys", postgres: postgres)
    }

    /// The user's export still being gathered, or a new one: asking twice while one is pending
    /// does not gather twice. The lock on the user's row makes two requests at once agree.
    func request(userID: UUID, audit: AuditRequest, logger: Logger) async throws -> (export: DataExportStatus, created: Bool) {
        let now = self.clock.now
        let newID = self.ids.next()
        return try await self.postgres.transaction(logger: logger) { connection in
            try await SignedInAccount.lock(userID, on: connection, logger: logger)
            let pending = try await connection.query(
                "SELECT id FROM auth.data_exports WHERE user_id = \(userID) AND status = 'pending' LIMIT 1", logger: logger)
            var existing: UUID?
            for try await id in pending.decode(UUID.self) { existing = id }
            if existing == nil {
                try await connection.query(
                    "INSERT INTO auth.data_exports (id, user_id, next_attempt_at, created_at) VALUES (\(newID), \(userID), \(now), \(now))",
                    logger: logger)
                try await AuditLog.record(
                    AuditEntry(
                        action: "data_export.requested", actor: .user(userID),
                        target: .resource(type: "data_export", id: newID.uuidString.lowercased()), request: audit),
                    on: connection, logger: logger)
            }
            guard let export = try await self.status(existing ?? newID, userID: userID, on: connection, logger: logger) else {
                throw Problem.unauthorized("This token does not belong to a user account.")
            }
            return (export, existing == nil)
        }
    }

    /// The export if it is `userID`'s; nil for another user's or none (the caller answers 404).
    func find(_ id: UUID, userID: UUID, logger: Logger) async throws -> DataExportStatus? {
        try await self.postgres.withConnection { connection in
            try await self.status(id, userID: userID, on: connection, logger: logger)
        }
    }

    private func status(_ id: UUID, userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> DataExportStatus? {
        let rows = try await connection.query(
            """
            SELECT id, status, created_at, completed_at, expires_at, size_bytes FROM auth.data_exports
            WHERE id = \(id) AND user_id = \(userID)
            """,
            logger: logger)
        let now = self.clock.now
        for try await (id, status, created, completed, expires, size) in rows.decode((UUID, String, Date, Date?, Date?, Int64?).self) {
            let expired = status == "ready" && (expires.map { $0 <= now } ?? false)
            return DataExportStatus(
                id: id, status: expired ? "expired" : status, createdAt: created, completedAt: completed, expiresAt: expires,
                sizeBytes: expired ? nil : size,
                downloadUrl: status == "ready" && !expired ? "/v1/auth/me/exports/\(id.uuidString.lowercased())/download" : nil)
        }
        return nil
    }

    /// The archive of a ready, unexpired export of `userID`'s, opened.
    func archive(_ id: UUID, userID: UUID, logger: Logger) async throws -> [UInt8]? {
        let rows = try await self.postgres.query(
            """
            SELECT a.sealed FROM auth.data_export_archives a JOIN auth.data_exports e ON e.id = a.export_id
            WHERE e.id = \(id) AND e.user_id = \(userID) AND e.status = 'ready' AND e.expires_at > \(self.clock.now)
            """,
            logger: logger)
        for try await sealed in rows.decode(ByteBuffer.self) {
            return try await self.open(Array(sealed.readableBytesView), id: id, logger: logger)
        }
        return nil
    }

    /// Takes the next due export and pushes its next attempt ahead by the retry delay, in one
    /// statement (`SKIP LOCKED`, so replicas share the work); a gatherer that dies leaves it to be
    /// taken again then.
    func claim(logger: Logger) async throws -> ClaimedExport? {
        let now = self.clock.now
        let retryAt = now.addingTimeInterval(self.settings.exportRetryDelay.inSeconds)
        let rows = try await self.postgres.query(
            """
            UPDATE auth.data_exports SET attempts = attempts + 1, next_attempt_at = \(retryAt)
            WHERE id = (
                SELECT id FROM auth.data_exports WHERE status = 'pending' AND next_attempt_at <= \(now)
                ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING id, user_id, attempts
            """,
            logger: logger)
        for try await (id, userID, attempts) in rows.decode((UUID, UUID, Int).self) {
            return ClaimedExport(id: id, userID: userID, attempts: attempts)
        }
        return nil
    }

    /// Seals and stores the archive and marks the export ready, in one transaction.
    func complete(_ export: ClaimedExport, archive: [UInt8], logger: Logger) async throws {
        let sealed = try await self.seal(archive, id: export.id, logger: logger)
        let now = self.clock.now
        let expires = now.addingTimeInterval(self.settings.exportLifetime.inSeconds)
        try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query(
                "INSERT INTO auth.data_export_archives (export_id, sealed, expires_at) VALUES (\(export.id), \(ByteBuffer(bytes: sealed)), \(expires))",
                logger: logger)
            try await connection.query(
                """
                UPDATE auth.data_exports SET status = 'ready', completed_at = \(now), expires_at = \(expires),
                    size_bytes = \(Int64(archive.count)), last_error = NULL
                WHERE id = \(export.id)
                """,
                logger: logger)
        }
    }

    /// Records why this attempt failed and when to try again (the delay doubles, at most an hour);
    /// after the last attempt the export is `failed`.
    func fail(_ export: ClaimedExport, reason: String, logger: Logger) async throws {
        let doubled = self.settings.exportRetryDelay.inSeconds * pow(2, Double(min(export.attempts - 1, 10)))
        let retryAt = self.clock.now.addingTimeInterval(min(doubled, 3600))
        let final = export.attempts >= self.settings.exportMaxAttempts
        try await self.postgres.query(
            """
            UPDATE auth.data_exports SET last_error = \(String(reason.prefix(500))), next_attempt_at = \(retryAt),
                status = CASE WHEN \(final) THEN 'failed' ELSE status END
            WHERE id = \(export.id)
            """,
            logger: logger)
    }

    private func seal(_ archive: [UInt8], id: UUID, logger: Logger) async throws -> [UInt8] {
        let box = try AES.GCM.seal(archive, using: try await self.key.key(logger: logger), authenticating: Self.associatedData(id))
        guard let combined = box.combined else { throw DataExportUnreadable() }
        return Array(combined)
    }

    private func open(_ sealed: [UInt8], id: UUID, logger: Logger) async throws -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return Array(try AES.GCM.open(box, using: try await self.key.key(logger: logger), authenticating: Self.associatedData(id)))
        } catch {
            throw DataExportUnreadable()
        }
    }

    /// The export's id: an archive copied onto another export's row does not open.
    private static func associatedData(_ id: UUID) -> Data { Data("data-export:\(id.uuidString.lowercased())".utf8) }
}

/// A sealed archive that does not open (another key, a row tampered with).
struct DataExportUnreadable: Error {}

extension DataExports {
    init(_ dependencies: ServiceDependencies, settings: PrivacySettings) {
        self.init(postgres: dependencies.postgres, clock: dependencies.clock, ids: dependencies.ids, settings: settings)
    }
}

extension DataExportGatherer {
    init(_ dependencies: ServiceDependencies, settings: PrivacySettings) {
        self.init(
            exports: DataExports(dependencies, settings: settings), postgres: dependencies.postgres,
            internalClient: dependencies.internalClient, peers: dependencies.configuration.events.peers, clock: dependencies.clock,
            logger: dependencies.logger)
    }
}
