import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import Models
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import ServiceKit
import ServiceLifecycle

/// The Ed25519 keys that sign access tokens.
///
/// Private keys are sealed with AES-GCM under `SIGNING_KEY_ENCRYPTION_KEY` before they touch the
/// database. One key is active. Rotation publishes the next key `publicationLead` before it signs
/// (a verifier's cached key set is at most `jwksMaxAge` old, so by then every verifier has it and
/// no token meets a verifier that cannot find its key), and keeps the old key published until
/// every token it signed has expired.
final class SigningKeys: Sendable {
    struct ActiveKey: Sendable {
        var kid: String
        var keys: JWTKeyCollection
        var loadedAt: ContinuousClock.Instant
    }

    /// How long a loaded key is used before the table is consulted again.
    static let cacheLifetime: Duration = .seconds(60)
    /// `Cache-Control: max-age` of `/.well-known/jwks.json`; verifiers keep a key set no longer than
    /// this (the kit's `TokenVerifier` cache lifetime is the same 300 s).
    static let jwksMaxAge: Duration = .seconds(300)
    /// How long a new key is published before it signs: one verifier cache lifetime, plus a minute
    /// for a fetch that was under way when the key appeared and for clock differences.
    static let publicationLead: Duration = SigningKeys.jwksMaxAge + .seconds(60)

    let postgres: PostgresClient
    let sealingKey: SymmetricKey
    let rotationInterval: Duration
    let accessTokenLifetime: Duration
    let ids: IDGenerator
    private let active = NIOLockedValueBox<ActiveKey?>(nil)

    init(postgres: PostgresClient, settings: AuthSettings, ids: IDGenerator) {
        self.postgres = postgres
        self.ids = ids
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

    /// Makes sure a signing key exists and its successor is published in time (under a lock, so
    /// replicas starting together make one key, not several), promotes a published successor whose
    /// time has come, and loads the key to sign with.
    @discardableResult
    func refresh(logger: Logger) async throws -> ActiveKey {
        let rotationSeconds = Double(self.rotationInterval.components.seconds)
        let leadSeconds = Double(Self.publicationLead.components.seconds)
        // Tokens signed with a retired key live on for their lifetime, and replicas that loaded it
        // before the switch may sign with it for up to `cacheLifetime` more.
        let graceSeconds = Double((self.accessTokenLifetime + Self.cacheLifetime).components.seconds)
        let (kid, sealed): (String, ByteBuffer) = try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('tract.auth.signing_keys'))", logger: logger)
            // A successor whose activation time has passed takes over: the keys before it retire.
            try await connection.query(
                """
                UPDATE auth.signing_keys SET retired_at = now(), published_until = now() + make_interval(secs => \(graceSeconds))
                WHERE retired_at IS NULL AND activates_at < (
                    SELECT max(activates_at) FROM auth.signing_keys WHERE retired_at IS NULL AND activates_at <= now()
                )
                """,
                logger: logger
            )
            let rows = try await connection.query(
                """
                SELECT kid, private_key_sealed,
                       activates_at <= now() - make_interval(secs => \(rotationSeconds - leadSeconds)),
                       EXISTS (SELECT 1 FROM auth.signing_keys WHERE retired_at IS NULL AND activates_at > now())
                FROM auth.signing_keys
                WHERE retired_at IS NULL AND activates_at <= now()
                ORDER BY activates_at DESC LIMIT 1
                """,
                logger: logger
            )
            var active: (kid: String, sealed: ByteBuffer, due: Bool, successorPublished: Bool)?
            for try await row in rows.decode((String, ByteBuffer, Bool, Bool).self) { active = row }
            guard let active else {
                // The very first key signs at once: there is no key set a verifier could hold
                // instead, and an unknown `kid` makes a verifier refetch.
                return try await self.create(activatingIn: 0, on: connection, logger: logger)
            }
            if active.due, !active.successorPublished {
                _ = try await self.create(activatingIn: leadSeconds, on: connection, logger: logger)
            }
            return (active.kid, active.sealed)
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

    /// Stores a new sealed key that signs from `seconds` from now; published in the JWKS at once.
    private func create(activatingIn seconds: Double, on connection: PostgresConnection, logger: Logger) async throws -> (String, ByteBuffer) {
        let privateKey = Curve25519.Signing.PrivateKey()
        let kid = "ed25519-" + String(self.ids.next().uuidString.lowercased().prefix(18))
        let sealedBox = try AES.GCM.seal(privateKey.rawRepresentation, using: self.sealingKey, authenticating: Data(kid.utf8))
        guard let combined = sealedBox.combined else { throw Problem(.internalServerError) }
        let jwk = Self.publicJWK(kid: kid, publicKey: privateKey.publicKey)
        try await connection.query(
            """
            INSERT INTO auth.signing_keys (kid, algorithm, public_jwk, private_key_sealed, activates_at)
            VALUES (\(kid), 'Ed25519', \(jwk)::jsonb, \(ByteBuffer(bytes: combined)), now() + make_interval(secs => \(seconds)))
            """,
            logger: logger
        )
        logger.notice("signing key created", metadata: ["kid": .string(kid), "activates_in_seconds": .stringConvertible(seconds)])
        return (kid, ByteBuffer(bytes: combined))
    }

    /// `/.well-known/jwks.json`: the active key, its published successor, and retired ones whose
    /// tokens may still be live. Keys stored before RFC 9864 say `"alg":"EdDSA"`; they are
    /// published as `Ed25519`, the fully specified name they now sign under.
    func jwksJSON(logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT (CASE WHEN public_jwk->>'crv' = 'Ed25519' THEN jsonb_set(public_jwk, '{alg}', '"Ed25519"') ELSE public_jwk END)::text
            FROM auth.signing_keys
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
        return #"{"alg":"Ed25519","crv":"Ed25519","kid":"\#(kid)","kty":"OKP","use":"sig","x":"\#(x)"}"#
    }
}

/// `/.well-known/jwks.json`: the public keys every service verifies access tokens with.
struct JWKSController: RouteController {
    let keys: SigningKeys

    /// Mounted at `/.well-known/jwks.json`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.show)
    }

    @Sendable func show(_ request: Request, context: TractRequestContext) async throws -> Response {
        var response = Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: try await self.keys.jwksJSON(logger: context.logger)))
        )
        // Verifiers may cache this long; rotation publishes new keys earlier than that and keeps
        // old ones published long enough.
        response.headers[.cacheControl] = "public, max-age=\(SigningKeys.jwksMaxAge.components.seconds)"
        return response
    }
}

/// Checks every ten minutes whether the signing key is due for rotation.
struct SigningKeyRotation: Service {
    let keys: SigningKeys
    let logger: Logger

    func run() async throws {
        try await PeriodicWork("signing key check", every: .seconds(600), roundLimit: .seconds(60), logger: self.logger) {
            try await self.keys.refresh(logger: self.logger)
            return false
        }.run()
    }
}
