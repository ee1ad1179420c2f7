import Foundation

/// Progressive delay after failed sign-ins to one account (Keycloak's brute-force detection:
/// after `threshold` failures, each further failure adds `increment` of wait, up to `maximumWait`),
/// with a hard stop at `hardLimit` consecutive failures: NIST SP 800-63B §5.2.2 caps consecutive
/// failed attempts at 100, after which only a password reset unlocks the account.
public struct LockoutPolicy: Sendable, Equatable {
    public var threshold: Int
    public var increment: Duration
    public var maximumWait: Duration
    public var hardLimit: Int

    public init(threshold: Int = 30, increment: Duration = .seconds(60), maximumWait: Duration = .seconds(900), hardLimit: Int = 100) {
        self.threshold = threshold
        self.increment = increment
        self.maximumWait = maximumWait
        self.hardLimit = hardLimit
    }

    /// How long sign-in stays closed after the `failures`-th consecutive failure; nil when open,
    /// `.infinity`-like (`nil` wait with `locked`) past the hard limit.
    public enum Decision: Equatable, Sendable {
        case open
        case wait(seconds: Int)
        case lockedUntilReset
    }

    public func decision(afterFailures failures: Int) -> Decision {
        if failures >= self.hardLimit { return .lockedUntilReset }
        guard failures >= self.threshold else { return .open }
        let steps = failures - self.threshold + 1
        let wait = min(self.increment * steps, self.maximumWait)
        return .wait(seconds: Int(wait.components.seconds))
    }
}
