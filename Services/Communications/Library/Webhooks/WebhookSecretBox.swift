import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// Seals endpoint signing secrets at rest with AES-GCM, the endpoint's id as associated data (a
/// sealed secret copied onto another endpoint's row does not open). The key is
/// `WEBHOOK_SECRET_KEY` when set, else one made once and kept in
/// `communications.webhook_secret_keys`, shared by every replica (the kit's `StoredKey`).
final class WebhookSecretBox: Sendable {
    private let stored: StoredKey

    init(configured: SymmetricKey?, postgres: PostgresClient) {
        self.stored = StoredKey(configured: configured, table: "communications.webhook_secret_keys", postgres: postgres)
    }

    func seal(_ secret: StandardWebhookSignature.Secret, endpoint: UUID, logger: Logger) async throws -> ByteBuffer {
        let box = try AES.GCM.seal(secret.bytes, using: try await self.key(logger: logger), authenticating: Self.associatedData(endpoint))
        guard let combined = box.combined else { throw WebhookSecretUnreadable() }
        return ByteBuffer(bytes: combined)
    }

    func open(_ sealed: ByteBuffer, endpoint: UUID, logger: Logger) async throws -> StandardWebhookSignature.Secret {
        do {
            let box = try AES.GCM.SealedBox(combined: Array(buffer: sealed))
            let plain = try AES.GCM.open(box, using: try await self.key(logger: logger), authenticating: Self.associatedData(endpoint))
            return StandardWebhookSignature.Secret(bytes: Array(plain))
        } catch {
            throw WebhookSecretUnreadable()
        }
    }

    private static func associatedData(_ endpoint: UUID) -> Data { Data("webhook-endpoint:\(endpoint.uuidString.lowercased())".utf8) }

    private func key(logger: Logger) async throws -> SymmetricKey {
        try await self.stored.key(logger: logger)
    }
}

/// A sealed secret that does not open (another key, a row tampered with).
struct WebhookSecretUnreadable: Error {}
