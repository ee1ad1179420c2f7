/// Exponential backoff with full jitter for redelivering events: 1 s, 2 s, 4 s … capped at
/// `maximum`, each delay drawn uniformly from its upper half so that replicas retrying the same
/// down peer spread out instead of arriving together.
public struct RetrySchedule: Sendable {
    public var base: Duration
    public var maximum: Duration

    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(300)) {
        self.base = base
        self.maximum = maximum
    }

    /// The ceiling before jitter after `attempts` failed deliveries (1 = the first failure).
    public func ceiling(afterAttempts attempts: Int) -> Duration {
        let exponent = min(max(attempts - 1, 0), 30)
        let grown = self.base * (1 << exponent)
        return min(grown, self.maximum)
    }

    public func delay(afterAttempts attempts: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = self.ceiling(afterAttempts: attempts)
        let fraction = Double.random(in: 0.5...1.0, using: &generator)
        return ceiling * fraction
    }
}
