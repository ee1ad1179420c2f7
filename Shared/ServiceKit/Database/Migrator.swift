import Logging
import PostgresNIO

/// Applies a service's migrations in order, exactly once, even when many replicas start together.
///
/// Each replica takes a session-level advisory lock keyed by the schema before it looks at
/// `schema_migrations`, so the first applies the files and the others find them applied. Every
/// file runs in its own transaction together with its bookkeeping row, with `search_path` set to
/// the service's schema so files can use plain table names.
public struct Migrator: Sendable {
    public enum Status: Sendable, Equatable {
        case upToDate
        case pending([String])
    }

    let client: PostgresClient
    let schema: String
    let migrations: [Migration]
    let logger: Logger

    public init(client: PostgresClient, schema: String, migrations: [Migration], logger: Logger) {
        precondition(Self.isPlainIdentifier(schema), "schema names are fixed lowercase identifiers")
        self.client = client
        self.schema = schema
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies what is pending and returns the ids it applied (empty when another replica did).
    @discardableResult
    public func migrate() async throws -> [String] {
        try await self.client.withConnection { connection in
            try await self.requireSchema(connection)
            let lockKey = "tract.migrations.\(self.schema)"
            try await connection.query("SELECT pg_advisory_lock(hashtextextended(\(lockKey), 0))", logger: self.logger)
            do {
                let applied = try await self.applyPending(connection)
                try await connection.query("SELECT pg_advisory_unlock(hashtextextended(\(lockKey), 0))", logger: self.logger)
                return applied
            } catch {
                // The lock is per session; releasing it lets another replica try.
                _ = try? await connection.query(
                    "SELECT pg_advisory_unlock(hashtextextended(\(lockKey), 0))",
                    logger: self.logger
                )
                throw error
            }
        }
    }

    /// Compares the files with what the database recorded, without changing anything.
    public func status() async throws -> Status {
        let applied = try await self.client.withConnection { connection in
            try await self.appliedChecksums(connection)
        }
        try self.checkChecksums(applied)
        let pending = self.migrations.map(\.id).filter { applied[$0] == nil }
        return pending.isEmpty ? .upToDate : .pending(pending)
    }

    private func applyPending(_ connection: PostgresConnection) async throws -> [String] {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    CREATE TABLE IF NOT EXISTS \(self.schema).schema_migrations (
                        id text PRIMARY KEY,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """
            ),
            logger: self.logger
        )
        let applied = try await self.appliedChecksums(connection)
        try self.checkChecksums(applied)
        var newlyApplied: [String] = []
        for migration in self.migrations where applied[migration.id] == nil {
            try await connection.withTransaction(logger: self.logger) { connection in
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(self.schema), public"),
                    logger: self.logger
                )
                for statement in SQLScript.statements(in: migration.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(self.schema).schema_migrations (id, checksum) VALUES ($1, $2)",
                        binds: try Self.binds(migration.id, migration.checksum)
                    ),
                    logger: self.logger
                )
            }
            self.logger.info("migration applied", metadata: ["migration": .string(migration.id), "schema": .string(self.schema)])
            newlyApplied.append(migration.id)
        }
        return newlyApplied
    }

    private func requireSchema(_ connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            "SELECT 1 FROM pg_namespace WHERE nspname = \(self.schema)",
            logger: self.logger
        )
        for try await _ in rows { return }
        let role = try await connection.query("SELECT current_user", logger: self.logger)
        var roleName = "?"
        for try await (name) in role.decode(String.self) { roleName = name }
        throw MigrationError.schemaMissing(schema: self.schema, role: roleName)
    }

    private func appliedChecksums(_ connection: PostgresConnection) async throws -> [String: String] {
        let exists = try await connection.query(
            "SELECT to_regclass(\(self.schema + ".schema_migrations"))::text",
            logger: self.logger
        )
        var tableExists = false
        for try await (name) in exists.decode(String?.self) { tableExists = name != nil }
        guard tableExists else { return [:] }
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT id, checksum FROM \(self.schema).schema_migrations"),
            logger: self.logger
        )
        var applied: [String: String] = [:]
        for try await (id, checksum) in rows.decode((String, String).self) {
            applied[id] = checksum
        }
        return applied
    }

    private func checkChecksums(_ applied: [String: String]) throws {
        for migration in self.migrations {
            if let recorded = applied[migration.id], recorded != migration.checksum {
                throw MigrationError.checksumMismatch(id: migration.id, applied: recorded, file: migration.checksum)
            }
        }
    }

    private static func binds(_ values: String...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
