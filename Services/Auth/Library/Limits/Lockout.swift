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
/// Zitadel GHSA-7h8m-vrxx-vr4m cannot happen). A correct password resets both counts. The counting
/// is `auth.admit_sign_in` (migration 0018), one round trip.
struct Lockout: Sendable {
    let postgres: PostgresClient
    let policy: LockoutPolicy

    enum Admission: Equatable {
        case admitted
        case wait(seconds: Int)
        case lockedUntilReset
    }

    /// `auth.admit_sign_in`'s answer (migration 0018): 0 admitted, -1 locked until reset, otherwise
    /// the seconds to wait.
    static func admission(_ outcome: Int32) -> Admission {
        switch outcome {
        case 0: .admitted
        case ..<0: .lockedUntilReset
        default: .wait(seconds: Int(outcome))
        }
    }

    /// Counts an attempt at `email` from `source` before its secret is checked (a second factor's;
    /// a password's goes through `PasswordAttemptStatement`, which takes its rate limit and reads
    /// the account in the same statement).
    func admit(email: String, source: String?, logger: Logger) async throws -> Admission {
        var bindings = PostgresBindings(capacity: 7)
        self.bind(email: email, source: source, to: &bindings)
        let rows = try await self.postgres.query(PostgresQuery(unsafeSQL: "SELECT \(Self.admissionCall(first: 1))", binds: bindings), logger: logger)
        for try await outcome in rows.decode(Int32.self) { return Self.admission(outcome) }
        throw Self.notCounted
    }

    /// An admission statement answered no row (it always answers one): nothing was counted, so
    /// the attempt goes no further.
    static let notCounted = Problem.serviceUnavailable("The sign-in attempt could not be counted; try again.")

    /// The call of `auth.admit_sign_in`, over seven placeholders from `$first`, bound in order by
    /// `bind(email:source:to:)`. The function runs the policy's statements in one round trip with
    /// the locks and order they had as separate statements (migration 0018 says how).
    static func admissionCall(first: Int) -> String {
        "auth.admit_sign_in(\((first..<first + 7).map { "$\($0)" }.joined(separator: ", ")))"
    }

    /// The binding types of `admissionCall`'s placeholders, for a prepared statement.
    static let admissionTypes: [PostgresDataType] = [.text, .text, .int4, .float8, .float8, .int4, .int4]

    /// Binds the attempt and this policy's numbers for `admissionCall`.
    func bind(email: String, source: String?, to bindings: inout PostgresBindings) {
        bindings.append(email)
        bindings.append(source ?? "unknown")
        bindings.append(Int32(clamping: self.policy.threshold))
        bindings.append(Double(self.policy.increment.components.seconds))
        bindings.append(Double(self.policy.maximumWait.components.seconds))
        bindings.append(Int32(clamping: self.policy.hardLimit))
        bindings.append(Int32(clamping: self.policy.failuresCountedPerSource))
    }

    /// A correct password (or a password reset, or a completed second factor) clears the counts.
    /// A sign-in that opens a session clears them inside its statement (`SessionOpeningStatement`).
    func reset(email: String, logger: Logger) async throws {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(email)
        try await self.postgres.query(
            PostgresQuery(unsafeSQL: "WITH \(Self.resetCTEs(email: "$1")) SELECT count(*) FROM sources", binds: bindings), logger: logger)
    }

    /// The reset as two data-modifying CTEs, `address` then `sources` (each `RETURNING 1`, so a
    /// caller's statement can go on after them), for `email`, a placeholder.
    ///
    /// The address's row first, as `admit` takes it: a reset racing attempts at the same address (a
    /// right code beside replays of it) then queues behind them instead of deadlocking. The
    /// sources' delete waits for the address's: its condition reads `address`, which Postgres
    /// evaluates once, before the scan (a one-time filter), so the order is fixed, not left to
    /// the planner as two independent CTEs would be.
    static func resetCTEs(email: String) -> String {
        """
        address AS (DELETE FROM auth.sign_in_attempts WHERE email = \(email) RETURNING 1),
        sources AS (DELETE FROM auth.sign_in_sources WHERE email = \(email) AND (SELECT count(*) FROM address) >= 0 RETURNING 1)
        """
    }
}
