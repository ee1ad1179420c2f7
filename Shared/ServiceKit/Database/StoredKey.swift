import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// A 256-bit key a service seals or signs with: the one configured (an environment variable, in
/// production) when there is one, else one made once and kept in a one-row table of the service's
/// own schema, so every replica uses the same key and what was sealed outlives restarts with
/// nothing to configure. The table is `(id smallint PRIMARY KEY CHECK (id = 1), secret bytea,
/// created_at timestamptz)`.
public final class StoredKey: Sendable {
    let postgres: PostgresClient
    /// `schema.table`, a name from code, never from a request.
    let table: String
    private let cached: Mutex<SymmetricKey?>

    public init(configured: SymmetricKey?, table: String, postgres: PostgresClient) {
        self.postgres = postgres
        self.table = table
        self.cached = Mutex(configured)
    }

    public func key(logger: Logger) async throws -> SymmetricKey {
        if let key = self.cached.withLock({ $0 }) { return key }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try await self.postgres.query(
            "INSERT INTO \(unescaped: self.table) (id, secret, created_at) VALUES (1, \(fresh), now()) ON CONFLICT (id) DO NOTHING",
            logger: logger
        )
        // Read in a statement of its own: when another replica made the key first, the insert
        // above waited for its commit, which a later statement sees.
        var secret: Data?
        for try await value in try await self.postgres.query(
            "SELECT secret FROM \(unescaped: self.table) WHERE id = 1", logger: logger
        ).decode(Data.self) {
            secret = value
        }
        guard let secret else { throw StoredKeyMissing(table: self.table) }
        let key = SymmetricKey(data: secret)
        self.cached.withLock { $0 = key }
        return key
    }
}

public struct StoredKeyMissing: Error, CustomStringConvertible {
    public var table: String
    public var description: String { "no key row in \(self.table)" }
}
