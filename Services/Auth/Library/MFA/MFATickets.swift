import Foundation
import HTTPTypes
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The second step of a two-step sign-in. The first proof (password, magic link, provider)
/// succeeded for a user with a second factor; instead of a session they get a ticket, a bearer
/// secret good for one completion within minutes and a few attempts (Auth0's `mfa_token`).
struct MFATickets: Sendable {
    let postgres: PostgresClient
    let lifetime: Duration
    let attempts: Int
    let ids: IDGenerator

    /// The first step, as the ticket remembers it.
    struct Pending: Sendable, Equatable {
        var id: UUID
        var userID: UUID
        var method: String
        var amr: [String]
        var source: String?
        /// Attempts left after this one.
        var attemptsLeft: Int
    }

    func issue(userID: UUID, proof: SignInProof, source: String?, logger: Logger) async throws -> String {
        let ticket = SecretToken.make()
        let seconds = Double(self.lifetime.components.seconds)
        try await self.postgres.query(
            """
            INSERT INTO auth.mfa_tickets (id, ticket_hash, user_id, method, amr, source, expires_at)
            VALUES (\(self.ids.next()), \(SecretToken.hash(ticket)), \(userID), \(proof.method), \(proof.amr), \(source),
                    now() + make_interval(secs => \(seconds)))
            """,
            logger: logger
        )
        return ticket
    }

    /// Counts one attempt at a live ticket and returns it; nil when it is unknown, used, expired
    /// or out of attempts. One statement, so concurrent attempts can never exceed the allowance.
    func attempt(_ ticket: String, logger: Logger) async throws -> Pending? {
        guard SecretToken.isWellFormed(ticket) else { return nil }
        let rows = try await self.postgres.query(
            """
            UPDATE auth.mfa_tickets SET attempts = attempts + 1
            WHERE ticket_hash = \(SecretToken.hash(ticket)) AND used_at IS NULL AND expires_at > now() AND attempts < \(self.attempts)
            RETURNING id, user_id, method, amr, source, \(self.attempts) - attempts
            """,
            logger: logger
        )
        for try await (id, userID, method, amr, source, left) in rows.decode((UUID, UUID, String, [String], String?, Int).self) {
            return Pending(id: id, userID: userID, method: method, amr: amr, source: source, attemptsLeft: left)
        }
        return nil
    }

    /// The user of a live ticket with attempts left, without counting an attempt (for the passkey
    /// options of the second step).
    func user(of ticket: String, logger: Logger) async throws -> UUID? {
        guard SecretToken.isWellFormed(ticket) else { return nil }
        let rows = try await self.postgres.query(
            """
            SELECT user_id FROM auth.mfa_tickets
            WHERE ticket_hash = \(SecretToken.hash(ticket)) AND used_at IS NULL AND expires_at > now() AND attempts < \(self.attempts)
            """,
            logger: logger
        )
        for try await userID in rows.decode(UUID.self) { return userID }
        return nil
    }

    /// Marks the ticket used; false when another request completed it first.
    func complete(_ id: UUID, logger: Logger) async throws -> Bool {
        let rows = try await self.postgres.query(
            "UPDATE auth.mfa_tickets SET used_at = now() WHERE id = \(id) AND used_at IS NULL RETURNING id", logger: logger)
        for try await _ in rows.decode(UUID.self) { return true }
        return false
    }
}

extension Problem {
    static let mfaRequiredType = "https://tract.dev/problems/mfa-required"

    /// The first step succeeded and the user has a second factor. 403, not 401: what was sent is
    /// right (a 401 would tell the client its credentials were wrong, and carries a bearer-token
    /// challenge the token endpoint has no use for); the client is forbidden a session until it
    /// completes the second step, as Auth0's `mfa_required`.
    static func mfaRequired(ticket: String, methods: [String], expiresIn: Duration) -> Problem {
        Problem(
            .forbidden,
            detail: "This account has a second factor. Send a code from your authenticator, a recovery code or a passkey "
                + "to POST /v1/auth/mfa/verify with the mfa_token.",
            type: Self.mfaRequiredType,
            extensions: [
                "mfa_token": .string(ticket),
                "methods": .array(methods.map(JSONValue.string)),
                "expires_in": .number(Double(expiresIn.components.seconds)),
                "verify_endpoint": .string("/v1/auth/mfa/verify"),
            ]
        )
    }
}
