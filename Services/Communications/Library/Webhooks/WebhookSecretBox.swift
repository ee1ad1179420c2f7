import Crypto
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Seals endpoint signing secrets at rest with AES-GCM, the endpoint's id as associated data (a
/// sealed secret copied onto another endpoint's row does not open). The key is
/// `WEBHOOK_SECRET_KEY` when set, else one made once and kept in
/// `communications.webhook_secret_keys`, shared by every replica (as `UnsubscribeKey`).
final class WebhookSecretBox: Sendable {
    let postgres: PostgresClient
    private let cached: Mutex<SymmetricKey?>

    init(configured: SymmetricKey?, postgres: PostgresClient) {
        self.postgres = postgres
        self.cached = Mutex(configured)
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
        if let key = self.cached.withLock({ $0 }) { return key }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        try await self.postgres.query(
            "INSERT INTO communications.webhook_secret_keys (id, secret, created_at) VALUES (1, \(fresh), now()) ON CONFLICT (id) DO NOTHING",
            logger: logger)
        // Its own statement: a key another replica made first is visible only after its commit.
        var secret: Data?
        for try await value in try await self.postgres.query(
            "SELECT secret FROM communications.webhook_secret_keys WHERE id = 1", logger: logger
        ).decode(Data.self) {
            secret = value
        }
        guard let secret else { throw WebhookSecretUnreadable() }
        let key = SymmetricKey(data: secret)
        self.cached.withLock { $0 = key }
        return key
    }
}

/// A sealed secret that does not open (another key, a row tampered with).
struct WebhookSecretUnreadable: Error {}
