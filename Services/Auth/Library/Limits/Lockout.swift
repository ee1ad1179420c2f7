import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Consecutive failed sign-ins per email address, with `LockoutPolicy`'s progressive wait.
///
/// Keyed by the normalised email whether or not an account exists, so the lockout itself cannot
/// reveal which addresses have accounts. An attempt is counted *before* its password is checked,
/// in one upsert that also decides whether it may proceed: concurrent guesses are serialised on
/// the row and can never be admitted past the threshold (the check-then-act race of Zitadel
/// GHSA-7h8m-vrxx-vr4m cannot happen). A correct password resets the count.
struct Lockout: Sendable {
    let postgres: PostgresClient
    let policy: LockoutPolicy

    enum Admission: Equatable {
        case admitted
        case wait(seconds: Int)
        case lockedUntilReset
    }

    func admit(email: String, logger: Logger) async throws -> Admission {
        let increment = Double(self.policy.increment.components.seconds)
        let maximumWait = Double(self.policy.maximumWait.components.seconds)
        let rows = try await self.postgres.query(
            """
            INSERT INTO auth.sign_in_attempts AS a (email, failures, locked_until, admitted)
            VALUES (\(email), 1, CASE WHEN 1 >= \(self.policy.threshold)
                THEN now() + make_interval(secs => LEAST(\(maximumWait), \(increment))) END, true)
            ON CONFLICT (email) DO UPDATE SET
                admitted = NOT (coalesce(a.locked_until > now(), false) OR a.failures >= \(self.policy.hardLimit)),
                failures = CASE WHEN coalesce(a.locked_until > now(), false) OR a.failures >= \(self.policy.hardLimit)
                    THEN a.failures ELSE a.failures + 1 END,
                locked_until = CASE
                    WHEN coalesce(a.locked_until > now(), false) OR a.failures >= \(self.policy.hardLimit) THEN a.locked_until
                    WHEN a.failures + 1 >= \(self.policy.threshold)
                    THEN now() + make_interval(secs => LEAST(\(maximumWait), \(increment) * (a.failures + 2 - \(self.policy.threshold))))
                    ELSE NULL END,
                updated_at = now()
            RETURNING admitted, failures, ceil(extract(epoch FROM coalesce(locked_until, now()) - now()))::int
            """,
            logger: logger
        )
        for try await (admitted, failures, waitSeconds) in rows.decode((Bool, Int32, Int32).self) {
            if admitted { return .admitted }
            if Int(failures) >= self.policy.hardLimit { return .lockedUntilReset }
            return .wait(seconds: max(1, Int(waitSeconds)))
        }
        return .admitted
    }

    /// A correct password (or a password reset) clears the count.
    func reset(email: String, logger: Logger) async throws {
        try await self.postgres.query("DELETE FROM auth.sign_in_attempts WHERE email = \(email)", logger: logger)
    }
}
