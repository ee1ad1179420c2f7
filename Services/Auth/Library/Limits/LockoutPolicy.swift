import Foundation

/// What failed sign-ins to one account cost, in two parts.
///
/// Progressive delay, per (address, source IP) (Keycloak's brute-force detection): after
/// `threshold` consecutive failures from one source, each further failure from it adds `increment`
/// of wait, up to `maximumWait`. Keyed by source so that a stranger hammering an address slows only
/// themselves; its owner signing in from elsewhere is not kept waiting.
///
/// Hard lock, per address: NIST SP 800-63B §5.2.2 caps consecutive failed attempts at 100, after
/// which only a password reset unlocks the account. Each source contributes at most
/// `failuresCountedPerSource` failures toward `hardLimit`, so the hard lock needs failures from at
/// least `hardLimit / failuresCountedPerSource` (10 by default) distinct sources: one slow attacker
/// can no longer lock anyone out until reset, while a distributed guesser still gets at most
/// `hardLimit` guesses per reset. (Counting per source rather than never hard-locking keeps that
/// bound against botnets, which a delay alone would not.)
public struct LockoutPolicy: Sendable, Equatable {
    public var threshold: Int
    public var increment: Duration
    public var maximumWait: Duration
    public var hardLimit: Int
    public var failuresCountedPerSource: Int

    public init(
        threshold: Int = 30,
        increment: Duration = .seconds(60),
        maximumWait: Duration = .seconds(900),
        hardLimit: Int = 100,
        failuresCountedPerSource: Int = 10
    ) {
        self.threshold = threshold
        self.increment = increment
        self.maximumWait = maximumWait
        self.hardLimit = hardLimit
        self.failuresCountedPerSource = failuresCountedPerSource
    }

    public enum Decision: Equatable, Sendable {
        case open
        case wait(seconds: Int)
    }

    /// How long one source waits after its `failures`-th consecutive failure at an address (the
    /// same arithmetic `auth.admit_sign_in`, migration 0018, runs in SQL).
    public func decision(afterFailures failures: Int) -> Decision {
        guard failures >= self.threshold else { return .open }
        let steps = failures - self.threshold + 1
        let wait = min(self.increment * steps, self.maximumWait)
        return .wait(seconds: Int(wait.components.seconds))
    }

    /// Whether the `failures`-th consecutive failure of one source still counts toward the hard lock
    /// (`auth.admit_sign_in`, migration 0018, applies the same rule in SQL).
    public func countsTowardHardLock(sourceFailures failures: Int) -> Bool {
        failures <= self.failuresCountedPerSource
    }

    /// The fewest distinct sources whose failures can hard-lock an address.
    public var sourcesNeededForHardLock: Int {
        (self.hardLimit + self.failuresCountedPerSource - 1) / self.failuresCountedPerSource
    }
}
