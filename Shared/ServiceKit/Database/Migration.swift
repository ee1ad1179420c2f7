import Crypto
import Foundation

/// One SQL migration file. `id` is its file name without `.sql` (`0001_users`); migrations the
/// service kit owns for every service (outbox, inbox) are prefixed `kit/`.
public struct Migration: Sendable, Equatable {
    public var id: String
    public var sql: String

    public init(id: String, sql: String) {
        self.id = id
        self.sql = sql
    }

    /// SHA-256 of the file's bytes: an applied file must never change.
    public var checksum: String {
        SHA256.hash(data: Data(self.sql.utf8)).hexString
    }

    /// Loads `NNNN_name.sql` files from a bundle folder, ordered by their number.
    public static func load(from bundle: Bundle, subdirectory: String = "Migrations", prefix: String = "")
        throws -> [Migration]
    {
        guard let folder = bundle.resourceURL?.appendingPathComponent(subdirectory) else {
            throw MigrationError.missingFolder(subdirectory)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        var seenNumbers: Set<Substring> = []
        return try names.map { name in
            let stem = String(name.dropLast(4))
            let number = stem.prefix { $0.isNumber }
            guard number.count == 4, stem.dropFirst(4).first == "_" else {
                throw MigrationError.badFileName(name)
            }
            guard seenNumbers.insert(number).inserted else { throw MigrationError.duplicateNumber(name) }
            let sql = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            return Migration(id: prefix + stem, sql: sql)
        }
    }

    /// What every service's schema holds besides its own tables: the transactional outbox and inbox
    /// (ARCHITECTURE.md, "Events"). Applied before the service's own files.
    public static func serviceKit() throws -> [Migration] {
        try Self.load(from: .module, prefix: "kit/")
    }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case missingFolder(String)
    case badFileName(String)
    case duplicateNumber(String)
    case schemaMissing(schema: String, role: String)
    case checksumMismatch(id: String, applied: String, file: String)

    public var description: String {
        switch self {
        case .missingFolder(let folder):
            "migrations folder \(folder) is missing from the bundle"
        case .badFileName(let name):
            "migration file \(name) must be named NNNN_description.sql"
        case .duplicateNumber(let name):
            "migration file \(name) reuses a number"
        case .schemaMissing(let schema, let role):
            "schema \(schema) does not exist; create it for role \(role) first (scripts/db.sh up does)"
        case .checksumMismatch(let id, let applied, let file):
            "migration \(id) was changed after it was applied (applied checksum \(applied.prefix(12))…, "
                + "file checksum \(file.prefix(12))…); applied migrations must never be edited — add a new one"
        }
    }
}
