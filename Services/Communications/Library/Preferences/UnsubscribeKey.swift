import Crypto
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The key unsubscribe links are signed with: `UNSUBSCRIBE_SIGNING_KEY` when set (base64, at least
/// 32 bytes), else one made once and kept in `communications.unsubscribe_keys` (the kit's
/// `StoredKey`), so every replica signs and checks with the same key and links outlive restarts
/// with nothing to configure.
final class UnsubscribeKey: Sendable {
    private let stored: StoredKey

    init(configured: SymmetricKey?, postgres: PostgresClient) {
        self.stored = StoredKey(configured: configured, table: "communications.unsubscribe_keys", postgres: postgres)
    }

    func key(logger: Logger) async throws -> SymmetricKey {
        try await self.stored.key(logger: logger)
    }
}
