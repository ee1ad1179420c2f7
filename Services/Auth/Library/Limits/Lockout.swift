import Foundation
import Logging
import PostgresNIO
import ServiceKit

/// Failed sign-ins per email address and per (address, source IP), with `LockoutPolicy`'s
/// progressive wait per source and hard lock per address.
///
/// Keyed by the normalised email whether or not an account exists, so the lockout itself cannot
/// reveal which addresses have accounts. An attempt is counted *before* its password is checked, in
/// one transaction that first locks the address's row: concurrent guesses, from one source or many,
/// are serialised on it and can never be admitted past a threshold (the check-then-act race of
/// Zitadel GHSA-7h8m-vrxx-vr4m cannot happen). A correct password resets both counts.
struct Lockout: Sendable {
    let postgres: PostgresClient
    let policy: LockoutPolicy

    enum Admission: Equatable {
        case admitted
        case wait(seconds: Int)
        case lockedUntilReset
    }

    /// `first` runs at the start of the same transaction (the sign-in rate limit's token), so the
    /// attempt costs one commit; what it throws ends the attempt uncounted.
    func admit(
        email: String, source: String?, logger: Logger, first: @Sendable (PostgresConnection) async throws -> Void = { _ in }
    ) async throws -> Admission {
        let increment = Double(self.policy.increment.components.seconds)
        let maximumWait = Double(self.policy.maximumWait.components.seconds)
        let source = source ?? "unknown"
        return try await self.postgres.transaction(logger: logger) { connection -> Admission in
            try await first(connection)
            // The address's row: its lock serialises every attempt at this address; `failures`
            // holds only the failures that count toward the hard lock.
            let address = try await connection.query(
                """
                INSERT INTO auth.sign_in_attempts AS a (email, failures, admitted) VALUES (\(email), 0, true)
                ON CONFLICT (email) DO UPDATE SET updated_at = now()
                RETURNING a.failures
                """,
                logger: logger
            )
            var counted = 0
            for try await value in address.decode(Int32.self) { counted = Int(value) }
            if counted >= self.policy.hardLimit { return .lockedUntilReset }
            let rows = try await connection.query(
                """
                INSERT INTO auth.sign_in_sources AS s (email, source, failures, locked_until, admitted)
                VALUES (\(email), \(source), 1, CASE WHEN 1 >= \(self.policy.threshold)
                    THEN now() + make_interval(secs => LEAST(\(maximumWait), \(increment))) END, true)
                ON CONFLICT (email, source) DO UPDATE SET
                    admitted = NOT coalesce(s.locked_until > now(), false),
                    failures = CASE WHEN coalesce(s.locked_until > now(), false) THEN s.failures ELSE s.failures + 1 END,
                    locked_until = CASE
                        WHEN coalesce(s.locked_until > now(), false) THEN s.locked_until
                        WHEN s.failures + 1 >= \(self.policy.threshold)
                        THEN now() + make_interval(secs => LEAST(\(maximumWait), \(increment) * (s.failures + 2 - \(self.policy.threshold))))
                        ELSE NULL END,
                    updated_at = now()
                RETURNING admitted, failures, ceil(extract(epoch FROM coalesce(locked_until, now()) - now()))::int
                """,
                logger: logger
            )
            var outcome: (admitted: Bool, failures: Int, waitSeconds: Int) = (true, 0, 0)
            for try await (admitted, failures, waitSeconds) in rows.decode((Bool, Int32, Int32).self) {
                outcome = (admitted, Int(failures), Int(waitSeconds))
            }
            guard outcome.admitted else { return .wait(seconds: max(1, outcome.waitSeconds)) }
            if self.policy.countsTowardHardLock(sourceFailures: outcome.failures) {
                try await connection.query(
                    "UPDATE auth.sign_in_attempts SET failures = failures + 1 WHERE email = \(email)",
                    logger: logger
                )
            }
            return .admitted
        }
    }

    /// A correct password (or a password reset, or a completed second factor) clears the counts.
    ///
    /// The address's row first, as `admit` takes it: a reset racing attempts at the same address
    /// (a right code beside replays of it) then queues behind them instead of deadlocking.
    func reset(email: String, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            try await connection.query("DELETE FROM auth.sign_in_attempts WHERE email = \(email)", logger: logger)
            try await connection.query("DELETE FROM auth.sign_in_sources WHERE email = \(email)", logger: logger)
        }
    }
}
