import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// The signed-in user's account row, locked for the transaction that changes what hangs off it
/// (an export or deletion request), so two requests at once agree on "already pending".
enum SignedInAccount {
    /// 401 when the account is gone: the token outlived it.
    static func lock(_ userID: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            "SELECT 1 FROM auth.users WHERE id = \(userID) AND deleted_at IS NULL FOR UPDATE", logger: logger)
        for try await _ in rows.decode(Int.self) { return }
        throw Problem.unauthorized("This token does not belong to a user account.")
    }
}
