import Foundation

/// A token bucket (capacity `burst`, refilled at `perSecond`): the rule behind every rate limit.
/// `RateLimiter` applies this same arithmetic inside one SQL statement; this pure form documents it
/// and is what its unit tests check.
public struct TokenBucket: Sendable, Equatable {
    public var burst: Double
    public var perSecond: Double

    public init(burst: Double, perSecond: Double) {
        self.burst = burst
        self.perSecond = perSecond
    }

    /// `count` actions per `period`, all allowed at once.
    public init(_ count: Int, per period: Duration) {
        let seconds = period.inSeconds
        self.init(burst: Double(count), perSecond: Double(count) / seconds)
    }

    /// Tokens after refilling for `elapsed` seconds, then the decision.
    public func take(from tokens: Double, elapsed: Double) -> (allowed: Bool, tokens: Double, retryAfter: Double) {
        let refilled = min(self.burst, tokens + max(0, elapsed) * self.perSecond)
        if refilled >= 1 { return (true, refilled - 1, 0) }
        return (false, refilled, (1 - refilled) / self.perSecond)
    }
}
