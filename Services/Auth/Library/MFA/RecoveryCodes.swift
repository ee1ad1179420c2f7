import Crypto
import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Ten single-use codes for when the authenticator is lost (issue 15). Each is 80 random bits,
/// shown once as `xxxx-xxxx-xxxx-xxxx` (RFC 4648 base32, lower case) and stored only as an
/// HMAC-SHA-256 under a key derived from the environment, bound to its user.
struct RecoveryCodes: Sendable {
    static let count = 10
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    let postgres: PostgresClient
    let key: SymmetricKey
    let ids: IDGenerator

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<16).map { _ in Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &generator)] }
        return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// A code as typed (any case, with or without dashes and spaces); nil when it cannot be one.
    static func normalize(_ input: String) -> String? {
        let characters = input.lowercased().filter { $0 != "-" && $0 != " " }
        guard characters.count == 16, characters.allSatisfy({ Self.alphabet.contains($0) }) else { return nil }
        return characters
    }

    func hash(_ normalized: String, userID: UUID) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("\(userID.uuidString.lowercased()):\(normalized)".utf8), using: self.key)
            .hexString
    }

    /// Replaces the user's codes with ten new ones and returns them (the only time they are seen).
    func replace(for userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> [String] {
        try await connection.query("DELETE FROM auth.recovery_codes WHERE user_id = \(userID)", logger: logger)
        var codes: [String] = []
        for _ in 0..<Self.count {
            let code = Self.generate()
            codes.append(code)
            try await connection.query(
                "INSERT INTO auth.recovery_codes (id, user_id, code_hash) VALUES (\(self.ids.next()), \(userID), \(self.hash(Self.normalize(code)!, userID: userID)))",
                logger: logger
            )
        }
        return codes
    }

    /// Spends one code; false when it is not one of the user's unused codes. One statement, so a
    /// code raced from two places works once.
    func use(_ input: String, userID: UUID, logger: Logger) async throws -> Bool {
        guard let normalized = Self.normalize(input) else { return false }
        let rows = try await self.postgres.query(
            """
            UPDATE auth.recovery_codes SET used_at = now()
            WHERE user_id = \(userID) AND code_hash = \(self.hash(normalized, userID: userID)) AND used_at IS NULL
            RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }
}
