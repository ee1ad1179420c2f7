import Foundation
import HTTPTypes
import Logging
import PostgresNIO
import ServiceKit

/// What a user can sign in with: a password, passkeys, identities at providers. A magic link is
/// not counted: it proves only the inbox, and an account must keep a method of its own so that
/// losing the mailbox does not lose the account (and a stolen mailbox alone does not keep it).
struct SignInMethods: Sendable, Equatable {
    var password: Bool
    var passkeys: Int
    var identities: Int

    var count: Int { (self.password ? 1 : 0) + self.passkeys + self.identities }

    /// The user's methods, with the user's row locked until `connection`'s transaction ends, so two
    /// removals racing for the last two methods are serialised and the second sees one left.
    static func lockingUser(_ userID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> SignInMethods {
        let rows = try await connection.query(
            """
            SELECT u.password_hash IS NOT NULL,
                   (SELECT count(*) FROM auth.passkeys p WHERE p.user_id = u.id),
                   (SELECT count(*) FROM auth.oauth_accounts o WHERE o.user_id = u.id)
            FROM auth.users u WHERE u.id = \(userID) FOR UPDATE OF u
            """,
            logger: logger
        )
        for try await (password, passkeys, identities) in rows.decode((Bool, Int, Int).self) {
            return SignInMethods(password: password, passkeys: passkeys, identities: identities)
        }
        throw Problem.notFound("No such account.")
    }

    /// Refuses removing one method when it is the last one left.
    func requireAnotherAfterRemovingOne() throws {
        guard self.count > 1 else {
            throw Problem(
                .conflict, detail: "This is your last way to sign in. Add a password, a passkey or another provider first.",
                type: "https://tract.dev/problems/last-sign-in-method")
        }
    }
}
