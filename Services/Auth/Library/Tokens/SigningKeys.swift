import Crypto
import Foundation
import JWTKit
import Logging
import Models
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import HTTPTypes
import ServiceKit
import ServiceLifecycle

/// The Ed25519 keys that sign access tokens.
///
/// Private keys are sealed with AES-GCM under `SIGNING_KEY_ENCRYPTION_KEY` before they touch the
/// database. One key is active; when it is older than the rotation interval a new one takes over
/// and the old one stays published in the JWKS until every token it signed has expired, so
/// verifiers never see a valid token with a key they cannot find.
final class SigningKeys: Sendable {
    struct ActiveKey: Sendable {
        var kid: String
        var keys: JWTKeyCollection
        var loadedAt: ContinuousClock.Instant
    }

    /// How long a loaded key is used before the table is consulted again.
    static let cacheLifetime: Duration = .seconds(60)

    let postgres: PostgresClient
    let sealingKey: SymmetricKey
    let rotationInterval: Duration
    let accessTokenLifetime: Duration
    private let active = NIOLockedValueBox<ActiveKey?>(nil)

    init(postgres: PostgresClient, settings: AuthSettings) {
        self.postgres = postgres
        self.sealingKey = settings.keyEncryptionKey
        self.rotationInterval = settings.keyRotationInterval
        self.accessTokenLifetime = settings.accessTokenLifetime
    }

    /// The key to sign with now; loads it on first use.
    func current(logger: Logger) async throws -> ActiveKey {
        if let key = self.active.withLockedValue({ $0 }), ContinuousClock.now - key.loadedAt < Self.cacheLifetime {
            return key
        }
        return try await self.refresh(logger: logger)
    }

    /// Makes sure a young enough key exists (creating one under a lock, so replicas starting
    /// together make one key, not several) and loads it.
    @discardableResult
    func refresh(logger: Logger) async throws -> ActiveKey {
        let rotationSeconds = Double(self.rotationInterval.components.seconds)
        let graceSeconds = Double(self.accessTokenLifetime.components.seconds) + 60
        let (kid, sealed): (String, ByteBuffer) = try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tract.auth.signing_keys'))", logger: logger)
            let rows = try await connection.query(
                """
                SELECT kid, private_key_sealed FROM auth.signing_keys
                WHERE retired_at IS NULL AND created_at > now() - make_interval(secs => \(rotationSeconds))
                ORDER BY created_at DESC LIMIT 1
                """,
                logger: logger
            )
            for try await (kid, sealed) in rows.decode((String, ByteBuffer).self) { return (kid, sealed) }

            let privateKey = Curve25519.Signing.PrivateKey()
            let kid = "ed25519-" + String(UUIDv7.make().uuidString.lowercased().prefix(18))
            let sealedBox = try AES.GCM.seal(privateKey.rawRepresentation, using: self.sealingKey, authenticating: Data(kid.utf8))
            guard let combined = sealedBox.combined else { throw Problem(.internalServerError) }
            let jwk = Self.publicJWK(kid: kid, publicKey: privateKey.publicKey)
            try await connection.query(
                """
                UPDATE auth.signing_keys SET retired_at = now(),
                    published_until = now() + make_interval(secs => \(graceSeconds))
                WHERE retired_at IS NULL
                """,
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO auth.signing_keys (kid, algorithm, public_jwk, private_key_sealed)
                VALUES (\(kid), 'EdDSA', \(jwk)::jsonb, \(ByteBuffer(bytes: combined)))
                """,
                logger: logger
            )
            logger.notice("signing key created", metadata: ["kid": .string(kid)])
            return (kid, ByteBuffer(bytes: combined))
        }
        let box = try AES.GCM.SealedBox(combined: Data(sealed.readableBytesView))
        let raw = try AES.GCM.open(box, using: self.sealingKey, authenticating: Data(kid.utf8))
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        let keys = JWTKeyCollection()
        await keys.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: JWKIdentifier(string: kid))
        let active = ActiveKey(kid: kid, keys: keys, loadedAt: .now)
        self.active.withLockedValue { $0 = active }
        return active
    }

    /// `/.well-known/jwks.json`: the active key and retired ones whose tokens may still be live.
    func jwksJSON(logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT public_jwk::text FROM auth.signing_keys
            WHERE published_until IS NULL OR published_until > now()
            ORDER BY created_at DESC
            """,
            logger: logger
        )
        var keys: [String] = []
        for try await jwk in rows.decode(String.self) { keys.append(jwk) }
        return #"{"keys":[\#(keys.joined(separator: ","))]}"#
    }

    static func publicJWK(kid: String, publicKey: Curve25519.Signing.PublicKey) -> String {
        let x = publicKey.rawRepresentation.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return #"{"alg":"EdDSA","crv":"Ed25519","kid":"\#(kid)","kty":"OKP","use":"sig","x":"\#(x)"}"#
    }
}

/// Checks every ten minutes whether the signing key is due for rotation.
struct SigningKeyRotation: Service {
    let keys: SigningKeys
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(600)) }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            do {
                try await self.keys.refresh(logger: self.logger)
            } catch {
                self.logger.warning("signing key check failed", metadata: ["error": .string(String(reflecting: error))])
            }
        }
    }
}
