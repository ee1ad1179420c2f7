import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit
import WebAuthn

/// A passkey as the user sees it on their security page.
struct PasskeyView: Codable, Sendable, ResponseEncodable {
    var id: UUID
    var deviceName: String
    var algorithm: Int
    var attestationFormat: String
    var aaguid: UUID?
    var transports: [String]
    var backupEligible: Bool
    var backedUp: Bool
    var createdAt: Date
    var lastUsedAt: Date?
}

/// What verification needs of a stored passkey.
struct StoredPasskey: Sendable {
    var id: UUID
    var userID: UUID
    var publicKey: [UInt8]
    var signCount: UInt32
    var userHandle: [UInt8]?
    var backupEligible: Bool
}

/// SQL for `auth.passkeys` and the users' WebAuthn handles.
struct PasskeyStore: Sendable {
    let postgres: PostgresClient
    let ids: IDGenerator

    /// The user's WebAuthn user handle, made (32 random bytes) the first time it is needed.
    func userHandle(_ userID: UUID, logger: Logger) async throws -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        let fresh = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let rows = try await self.postgres.query(
            """
            UPDATE auth.users SET webauthn_user_handle = COALESCE(webauthn_user_handle, \(fresh))
            WHERE id = \(userID) AND deleted_at IS NULL RETURNING webauthn_user_handle
            """,
            logger: logger
        )
        for try await handle in rows.decode(Data.self) { return Array(handle) }
        throw Problem.notFound("No such account.")
    }

    /// The user's passkeys as `allowCredentials` / `excludeCredentials` entries.
    func descriptors(userID: UUID, logger: Logger) async throws -> [PasskeyOptions.Descriptor] {
        let rows = try await self.postgres.query(
            "SELECT credential_id, transports::text FROM auth.passkeys WHERE user_id = \(userID) ORDER BY created_at, id", logger: logger)
        var descriptors: [PasskeyOptions.Descriptor] = []
        for try await (credentialID, transports) in rows.decode((Data, String).self) {
            let hints = (try? JSONDecoder().decode([String].self, from: Data(transports.utf8))) ?? []
            descriptors.append(.init(id: Base64URL.encode(credentialID), transports: hints.isEmpty ? nil : hints))
        }
        return descriptors
    }

    func find(credentialID: [UInt8], logger: Logger) async throws -> StoredPasskey? {
        let rows = try await self.postgres.query(
            """
            SELECT p.id, p.user_id, p.public_key, p.sign_count, u.webauthn_user_handle, p.backup_eligible
            FROM auth.passkeys p JOIN auth.users u ON u.id = p.user_id
            WHERE p.credential_id = \(Data(credentialID)) AND u.deleted_at IS NULL
            """,
            logger: logger
        )
        for try await (id, userID, key, count, handle, eligible) in rows.decode((UUID, UUID, Data, Int64, Data?, Bool).self) {
            return StoredPasskey(
                id: id, userID: userID, publicKey: Array(key), signCount: UInt32(clamping: count), userHandle: handle.map(Array.init),
                backupEligible: eligible)
        }
        return nil
    }

    /// Stores a registered credential; `nil` when the credential id is already registered.
    func insert(
        _ credential: RegisteredCredential, userID: UUID, deviceName: String, transports: [String], on connection: PostgresConnection,
        logger: Logger
    ) async throws -> PasskeyView? {
        let id = self.ids.next()
        let aaguid = credential.aaguid.count == 16 ? UUID(uuid: Self.uuidTuple(credential.aaguid)) : nil
        let transportsJSON = String(decoding: try JSONEncoder().encode(transports), as: UTF8.self)
        let rows = try await connection.query(
            """
            INSERT INTO auth.passkeys AS x (id, user_id, credential_id, public_key, algorithm, sign_count, device_name, transports, aaguid,
                                       attestation_format, backup_eligible, backed_up)
            VALUES (\(id), \(userID), \(Data(credential.credentialID)), \(Data(credential.publicKey)), \(credential.algorithm.rawValue),
                    \(Int64(credential.signCount)), \(deviceName), \(transportsJSON)::jsonb, \(aaguid), \(credential.format),
                    \(credential.backupEligible), \(credential.backedUp))
            ON CONFLICT (credential_id) DO NOTHING
            RETURNING x.id, x.device_name, x.algorithm, x.attestation_format, x.aaguid, x.transports::text, x.backup_eligible, x.backed_up,
                      x.created_at, x.last_used_at
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, String, Int, String, UUID?, String, Bool, Bool, Date, Date?).self) {
            return Self.view(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9)
        }
        return nil
    }

    /// Records a verified use: the new counter, the backup state, the time. False when the stored
    /// counter moved meanwhile so that this count no longer goes forward (a concurrent use).
    func recordUse(_ id: UUID, _ verified: VerifiedAuthentication, logger: Logger) async throws -> Bool {
        let count = Int64(verified.signCount)
        let rows = try await self.postgres.query(
            """
            UPDATE auth.passkeys SET sign_count = \(count), backed_up = \(verified.backedUp), last_used_at = now()
            WHERE id = \(id) AND ((sign_count = 0 AND \(count) = 0) OR sign_count < \(count))
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }

    static let viewColumns = """
        x.id, x.device_name, x.algorithm, x.attestation_format, x.aaguid, x.transports::text, x.backup_eligible, x.backed_up,
        x.created_at, x.last_used_at
        """

    /// The user's passkeys, newest first.
    func page(userID: UUID, _ page: PageRequest, logger: Logger) async throws -> Page<PasskeyView> {
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.viewColumns), \(page.selectKey)
            FROM auth.passkeys x
            WHERE x.user_id = \(binds.add(userID)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        let rows = try await self.postgres.query(binds.query(sql), logger: logger)
        var entries: [(item: PasskeyView, key: String, id: UUID)] = []
        for try await row in rows.decode((UUID, String, Int, String, UUID?, String, Bool, Bool, Date, Date?, String).self) {
            entries.append((Self.view(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9), row.10, row.0))
        }
        return page.page(entries)
    }

    /// Renames the user's own passkey; `nil` when it is not theirs.
    func rename(_ id: UUID, userID: UUID, to name: String, logger: Logger) async throws -> PasskeyView? {
        let rows = try await self.postgres.query(
            """
            UPDATE auth.passkeys x SET device_name = \(name) WHERE x.id = \(id) AND x.user_id = \(userID)
            RETURNING x.id, x.device_name, x.algorithm, x.attestation_format, x.aaguid, x.transports::text, x.backup_eligible, x.backed_up,
                      x.created_at, x.last_used_at
            """,
            logger: logger
        )
        for try await row in rows.decode((UUID, String, Int, String, UUID?, String, Bool, Bool, Date, Date?).self) {
            return Self.view(row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9)
        }
        return nil
    }

    /// Deletes the user's own passkey inside the caller's transaction; its name when it existed.
    func delete(_ id: UUID, userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> String? {
        let rows = try await connection.query(
            "DELETE FROM auth.passkeys WHERE id = \(id) AND user_id = \(userID) RETURNING device_name", logger: logger)
        for try await name in rows.decode(String.self) { return name }
        return nil
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    static func view(
        _ id: UUID, _ name: String, _ algorithm: Int, _ format: String, _ aaguid: UUID?, _ transports: String, _ eligible: Bool, _ backedUp: Bool,
        _ created: Date, _ used: Date?
    ) -> PasskeyView {
        PasskeyView(
            id: id, deviceName: name, algorithm: algorithm, attestationFormat: format, aaguid: aaguid,
            transports: (try? JSONDecoder().decode([String].self, from: Data(transports.utf8))) ?? [], backupEligible: eligible,
            backedUp: backedUp, createdAt: created, lastUsedAt: used)
    }

    static func uuidTuple(_ b: [UInt8]) -> uuid_t {
        (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])
    }
}
