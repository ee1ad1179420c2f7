import Foundation
import Logging
import PostgresNIO

/// A table of a service that holds rows about a user, and the columns that name the user: what a
/// data export (GDPR Art. 15 access, Art. 20 portability) reads. Each service lists its own in its
/// `ServiceDefinition.personalData`; a test per service holds the list to its schema, so a new
/// table with a user id cannot be left out unnoticed.
public struct PersonalDataTable: Sendable, Equatable {
    /// A column that names the user: a `uuid` (`user_id`, `investor_id`…) or the user id as text
    /// (analytics' `actor`).
    public enum Column: Sendable, Equatable {
        case id(String)
        case text(String)
        /// A column holding the account's email address, for rows written before the user's id was
        /// known (mail to an address). Only account deletion matches it (auth sends the address);
        /// the export, which has only the id, leaves these rows to the id columns.
        case email(String)

        var name: String {
            switch self {
            case .id(let name), .text(let name), .email(let name): name
            }
        }
    }

    /// `schema.table`: a name from code, never from a request.
    public var table: String
    public var columns: [Column]
    /// Columns left out of the export: secrets (hashes, sealed keys) that are no information about
    /// the person and would help an attacker who got hold of the archive, and stored files (sealed
    /// K-1s, uploaded documents) that have download routes of their own.
    public var omitted: [String]
    /// What account deletion does to the user's rows (GDPR Art. 17): delete them, or keep them
    /// with the user's id replaced (`PersonalDataErasure`).
    public var erasure: Erasure

    /// Account deletion's rule for a table.
    public enum Erasure: Sendable, Equatable {
        /// The rows go (the common case: the user's own things).
        case delete
        /// The rows stay, the user's id columns take the request's anonymous id and `clearing`
        /// (nullable columns with personal detail: names, IPs, user agents) become NULL. For
        /// records the law makes the business keep (money records: 26 U.S.C. § 6001 and 26 CFR
        /// § 1.6001-1(e), SEC Rule 17a-4; signatures: E-SIGN Act 15 U.S.C. § 7001(d)) and for
        /// other people's records a staff member or sponsor acted on; GDPR Art. 17(3)(b) and (e).
        case anonymise(clearing: [String])
    }

    public init(_ table: String, _ columns: [Column], omitting omitted: [String] = [], erasure: Erasure = .delete) {
        let cleared: [String] = if case .anonymise(let clearing) = erasure { clearing } else { [] }
        precondition(
            ([table] + columns.map(\.name) + omitted + cleared).allSatisfy { $0.wholeMatch(of: /[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?/) != nil },
            "personal data names are SQL identifiers from code")
        self.table = table
        self.columns = columns
        self.omitted = omitted
        self.erasure = erasure
    }

    /// `user_id` as a uuid column: the common case.
    public init(_ table: String, _ names: String..., omitting omitted: [String] = [], erasure: Erasure = .delete) {
        self.init(table, names.map(Column.id), omitting: omitted, erasure: erasure)
    }
}

/// Reads a user's rows from a service's personal-data tables as one JSON object, table name to
/// the list of rows (each row as Postgres' `to_jsonb` renders it, omitted columns removed), in one
/// statement so the export is one consistent snapshot of the service.
public enum PersonalDataExport {
    public static func json(of user: UUID, in tables: [PersonalDataTable], postgres: PostgresClient, logger: Logger) async throws -> String {
        guard !tables.isEmpty else { return "{}" }
        var binds = SQLBinds()
        let id = binds.add(user)
        let text = binds.add(user.uuidString.lowercased())
        let parts = tables.map { table in
            let matches = table.columns.map { column in
                switch column {
                case .id(let name): "t.\(name) = \(id)"
                case .text(let name): "t.\(name) = \(text)"
                case .email: "false"
                }
            }
            let row = table.omitted.isEmpty ? "to_jsonb(t)" : "to_jsonb(t) - ARRAY[\(table.omitted.map { "'\($0)'" }.joined(separator: ","))]"
            return """
                SELECT '\(table.table)' AS name, (SELECT coalesce(jsonb_agg(\(row)), '[]'::jsonb) FROM \(table.table) t
                WHERE \(matches.joined(separator: " OR "))) AS rows
                """
        }
        let sql = "SELECT jsonb_object_agg(name, rows)::text FROM (\(parts.joined(separator: "\nUNION ALL\n"))) x"
        var document = "{}"
        for try await value in try await postgres.query(binds.query(sql), logger: logger).decode(String.self) {
            document = value
        }
        return document
    }
}
