import Foundation
import Logging
import PostgresNIO

/// The addresses no bulk or notification mail may go to (`communications.email_suppressions`).
///
/// Campaigns skip them; bounce and complaint intake adds to them. Addresses are compared
/// lower-cased: providers report them in whatever case the recipient's server used.
enum Suppressions {
    enum Reason: String, Sendable, Codable, CaseIterable {
        case hardBounce = "hard_bounce"
        case complaint
        case manual
    }

    /// Whether mail to `email` is suppressed.
    static func isSuppressed(_ email: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            "SELECT 1 FROM communications.email_suppressions WHERE email = \(email.lowercased())", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Suppresses `email`; the first reason recorded stays (a complaint after a hard bounce changes
    /// nothing the campaign sender needs). Returns whether the address was newly suppressed.
    @discardableResult
    static func suppress(
        _ email: String, reason: Reason, source: String, detail: String?, at time: Date, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO communications.email_suppressions (email, reason, source, detail, created_at)
            VALUES (\(email.lowercased()), \(reason.rawValue), \(source), \(detail), \(time))
            ON CONFLICT (email) DO NOTHING RETURNING 1
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
