import Crypto
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The key unsubscribe links are signed with: `UNSUBSCRIBE_SIGNING_KEY` when set (base64, at least
/// 32 bytes), else one made once and kept in `communications.unsubscribe_keys`, so every replica
/// signs and checks with the same key and links outlive restarts with nothing to configure.
final class UnsubscribeKey: Sendable {
    let postgres: PostgresClient
    private let cached: Mutex<SymmetricKey?>

    init(configured: SymmetricKey?, postgres: PostgresClient) {
        self.postgres = postgres
        self.cached = Mutex(configured)
    }

    func key(logger: Logger) async throws -> SymmetricKey {
        if let key = self.cached.withLock({ $0 }) { return key }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try await self.postgres.query(
            """
            INSERT INTO communications.unsubscribe_keys (id, secret, created_at) VALUES (1, \(fresh), now())
            ON CONFLICT (id) DO NOTHING
            """,
            logger: logger
        )
        // Read in a statement of its own: when another replica (or a concurrent send) made the key
        // first, the insert above waited for its commit, which a later statement sees.
        var secret: Data?
        for try await value in try await self.postgres.query(
            "SELECT secret FROM communications.unsubscribe_keys WHERE id = 1", logger: logger
        ).decode(Data.self) {
            secret = value
        }
        guard let secret else { throw UnsubscribeKeyMissing() }
        let key = SymmetricKey(data: secret)
        self.cached.withLock { $0 = key }
        return key
    }
}

struct UnsubscribeKeyMissing: Error {}
