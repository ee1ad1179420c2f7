import Crypto
import Foundation
import HTTPTypes
import Logging
import NIOCore
import PostgresNIO
import ServiceKit

/// A user's authenticator (RFC 6238): enrolment, confirmation by a first code, checks with replay
/// refused, removal. The secret is sealed with AES-GCM, the user id as associated data, so a sealed
/// secret copied onto another user's row does not open.
struct TOTPCredentials: Sendable {
    let postgres: PostgresClient
    let key: SymmetricKey
    let clock: ServiceClock

    enum Check: Equatable {
        case accepted(step: Int64)
        case wrong
        /// The code is right but its step was already used: someone is replaying a seen code.
        case replayed
        case notEnrolled
    }

    /// Starts (or restarts) enrolment with a new secret; an authenticator already confirmed must be
    /// removed first, so a stolen session cannot quietly swap the user's authenticator.
    func start(userID: UUID, logger: Logger) async throws -> TOTPCode {
        let code = TOTPCode(secret: TOTPCode.generateSecret())
        let sealed = try self.seal(code.secret, userID: userID)
        let rows = try await self.postgres.query(
            """
            INSERT INTO auth.totp_credentials AS t (user_id, secret_sealed) VALUES (\(userID), \(sealed))
            ON CONFLICT (user_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, last_step = NULL, created_at = now(), updated_at = now()
            WHERE t.confirmed_at IS NULL
            RETURNING user_id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return code }
        throw Problem(
            .conflict, detail: "An authenticator is already set up. Remove it (DELETE /v1/auth/mfa/totp) to set up another.",
            type: "https://tract.dev/problems/totp-already-enabled")
    }

    /// Checks a code against the confirmed authenticator (or, `pending`, the one being enrolled) and
    /// records its step, in one compare-and-swap: of two requests with the same code, one wins.
    func check(_ code: String, userID: UUID, pending: Bool = false, on connection: PostgresConnection, logger: Logger) async throws -> Check {
        let rows = try await connection.query(
            """
            SELECT secret_sealed, last_step FROM auth.totp_credentials
            WHERE user_id = \(userID) AND (confirmed_at IS NULL) = \(pending)
            FOR UPDATE
            """,
            logger: logger
        )
        var found: (sealed: ByteBuffer, lastStep: Int64?)?
        for try await (sealed, lastStep) in rows.decode((ByteBuffer, Int64?).self) { found = (sealed, lastStep) }
        guard let found else { return .notEnrolled }
        let secret = try self.open(Array(buffer: found.sealed), userID: userID)
        guard let step = TOTPCode(secret: secret).matchingStep(code, at: self.clock.now) else { return .wrong }
        if let last = found.lastStep, step <= last { return .replayed }
        try await connection.query(
            "UPDATE auth.totp_credentials SET last_step = \(step), updated_at = now() WHERE user_id = \(userID)", logger: logger)
        return .accepted(step: step)
    }

    /// Marks the pending authenticator confirmed and the user as having TOTP (seed 001 columns).
    func confirm(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE auth.totp_credentials SET confirmed_at = now(), updated_at = now() WHERE user_id = \(userID)", logger: logger)
        try await connection.query(
            "UPDATE auth.users SET mfa_enabled = true, mfa_type = 'authenticator', updated_at = now() WHERE id = \(userID)", logger: logger)
    }

    /// Removes the authenticator and its recovery codes; false when there was none confirmed.
    func remove(userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM auth.totp_credentials WHERE user_id = \(userID) RETURNING confirmed_at IS NOT NULL", logger: logger)
        var confirmed = false
        for try await value in rows.decode(Bool.self) { confirmed = value }
        try await connection.query("DELETE FROM auth.recovery_codes WHERE user_id = \(userID)", logger: logger)
        try await connection.query(
            "UPDATE auth.users SET mfa_enabled = false, mfa_type = NULL, updated_at = now() WHERE id = \(userID)", logger: logger)
        return confirmed
    }

    func seal(_ secret: String, userID: UUID) throws -> ByteBuffer {
        let box = try AES.GCM.seal(Data(secret.utf8), using: self.key, authenticating: Data(userID.uuidString.lowercased().utf8))
        guard let combined = box.combined else { throw Problem(.internalServerError, detail: "The secret could not be sealed.") }
        return ByteBuffer(bytes: combined)
    }

    func open(_ sealed: [UInt8], userID: UUID) throws -> String {
        let box = try AES.GCM.SealedBox(combined: sealed)
        let plain = try AES.GCM.open(box, using: self.key, authenticating: Data(userID.uuidString.lowercased().utf8))
        return String(decoding: plain, as: UTF8.self)
    }
}
