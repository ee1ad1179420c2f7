import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The second factors a user has. "Has MFA" (issue 15, agreed across its parts) is a confirmed
/// authenticator or at least one passkey: a user-verified passkey is something you have plus
/// something you are or know.
struct MFAFactors: Sendable, Equatable {
    var totp: Bool
    var passkeys: Int
    var unusedRecoveryCodes: Int

    var any: Bool { self.totp || self.passkeys > 0 }

    /// What the second step of a sign-in (or a step-up) accepts for this user, in the order a
    /// client should offer them.
    var methods: [String] {
        var methods: [String] = []
        if self.totp { methods.append("totp") }
        if self.passkeys > 0 { methods.append("passkey") }
        if self.unusedRecoveryCodes > 0 { methods.append("recovery_code") }
        return methods
    }

    static func of(_ userID: UUID, postgres: PostgresClient, logger: Logger) async throws -> MFAFactors {
        try await postgres.withConnection { connection in try await Self.of(userID, on: connection, logger: logger) }
    }

    static func of(_ userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> MFAFactors {
        let rows = try await connection.query("SELECT \(unescaped: Self.columns) FROM auth.users u WHERE u.id = \(userID)", logger: logger)
        for try await row in rows { return try MFAFactors(row.makeRandomAccess(), from: 0) }
        return MFAFactors(totp: false, passkeys: 0, unusedRecoveryCodes: 0)
    }

    /// What `init(_:from:)` reads, over `u`, the user (no factors when `u` is an outer join's NULL).
    static let columns = """
        COALESCE(u.mfa_enabled AND u.mfa_type = 'authenticator', false),
        (SELECT count(*) FROM auth.passkeys p WHERE p.user_id = u.id),
        (SELECT count(*) FROM auth.recovery_codes r WHERE r.user_id = u.id AND r.used_at IS NULL)
        """
}

extension MFAFactors {
    /// Reads `columns` starting at column `first`.
    init(_ row: PostgresRandomAccessRow, from first: Int) throws {
        self.init(
            totp: try row[first].decode(Bool.self), passkeys: try row[first + 1].decode(Int.self),
            unusedRecoveryCodes: try row[first + 2].decode(Int.self))
    }
}
