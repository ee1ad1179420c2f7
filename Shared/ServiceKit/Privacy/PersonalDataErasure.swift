import Foundation
import Logging
import PostgresNIO

/// Account deletion in one service (GDPR Art. 17): each personal-data table's rows about the user
/// deleted or anonymised by its `PersonalDataTable.Erasure` rule, in the order the service lists
/// them (children before parents), plus what the kit itself holds about the user: outbox rows,
/// idempotency keys and rate-limit buckets that name them. All in one transaction: a failure
/// leaves everything as it was and auth asks again.
public enum PersonalDataErasure {
    /// `anonymousID` is the stable stand-in the kept records get: random per request (auth makes
    /// it), the same in every service so one person's kept records still belong together, and not
    /// derivable from the user's id. `email` is the account's address, for `.email` columns.
    public static func erase(
        _ user: UUID, anonymousID: UUID, email: String?, in tables: [PersonalDataTable], schema: String, postgres: PostgresClient,
        logger: Logger
    ) async throws {
        try await postgres.transaction(logger: logger) { connection in
            for table in tables {
                try await connection.query(Self.statement(for: table, user: user, anonymousID: anonymousID, email: email), logger: logger)
            }
            // The outbox keeps delivered rows for a while (operators read them); those whose
            // envelope names the user go now. Undelivered ones stay until delivered: the event is
            // another service's input and dropping it would leave that service inconsistent; the
            // retention purge removes them after delivery.
            let id = user.uuidString.lowercased()
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: "DELETE FROM \(schema).outbox WHERE delivered_at IS NOT NULL AND lower(envelope::text) LIKE '%' || $1 || '%'",
                    binds: Self.binds(id)),
                logger: logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "DELETE FROM \(schema).idempotency_keys WHERE owner = $1", binds: Self.binds(id)), logger: logger)
            // Per-user rate-limit buckets (each service that limits users keeps them in its schema).
            let buckets = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT to_regclass('\(schema).rate_limit_buckets') IS NOT NULL", binds: PostgresBindings()),
                logger: logger)
            var hasBuckets = false
            for try await exists in buckets.decode(Bool.self) { hasBuckets = exists }
            if hasBuckets {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DELETE FROM \(schema).rate_limit_buckets WHERE identifier = $1", binds: Self.binds(id)),
                    logger: logger)
            }
        }
    }

    /// The statement for one table: a `DELETE`, or an `UPDATE` that swaps the user's id for the
    /// anonymous one in each id column that holds it and clears the personal columns.
    static func statement(for table: PersonalDataTable, user: UUID, anonymousID: UUID, email: String?) -> PostgresQuery {
        var binds = SQLBinds()
        let id = binds.add(user)
        let text = binds.add(user.uuidString.lowercased())
        let anonymousUUID = binds.add(anonymousID)
        let anonymousText = binds.add(anonymousID.uuidString.lowercased())
        let address = email.map { binds.add($0.lowercased()) }
        let matches = table.columns.map { column in
            switch column {
            case .id(let name): "\(name) = \(id)"
            case .text(let name): "\(name) = \(text)"
            case .email(let name): address.map { "lower(\(name)) = \($0)" } ?? "false"
            }
        }.joined(separator: " OR ")
        switch table.erasure {
        case .delete:
            return binds.query("DELETE FROM \(table.table) WHERE \(matches)")
        case .anonymise(let clearing):
            let swaps = table.columns.map { column in
                switch column {
                case .id(let name): "\(name) = CASE WHEN \(name) = \(id) THEN \(anonymousUUID) ELSE \(name) END"
                case .text(let name): "\(name) = CASE WHEN \(name) = \(text) THEN \(anonymousText) ELSE \(name) END"
                // A kept record loses the address (the column must be nullable).
                case .email(let name): "\(name) = CASE WHEN \(address.map { "lower(\(name)) = \($0)" } ?? "false") THEN NULL ELSE \(name) END"
                }
            }
            // Personal columns are cleared on the user's own records only (the first column names
            // whose record a row is): a sponsor's deletion must not clear an investor's statement.
            let subject = matches.components(separatedBy: " OR ")[0]
            let clears = clearing.map { "\($0) = CASE WHEN \(subject) THEN NULL ELSE \($0) END" }
            return binds.query("UPDATE \(table.table) SET \((clears + swaps).joined(separator: ", ")) WHERE \(matches)")
        }
    }

    private static func binds(_ value: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(value)
        return binds
    }
}
