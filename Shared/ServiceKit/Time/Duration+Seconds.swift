extension Duration {
    /// The duration as fractional seconds, for Postgres intervals (`make_interval(secs => …)`),
    /// rates and timings, which all take a Double.
    public var inSeconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }

    /// Milliseconds with three decimals (`"12.345"`), as `String(format: "%.3f", …)` writes them
    /// (rounded to the nearest microsecond) without Foundation's formatter on every access-log line.
    var millisecondsText: String {
        let (seconds, attoseconds) = self.components
        // Attoseconds to microseconds, half away from zero; a negative duration keeps its sign.
        let micros = seconds * 1_000_000 + (attoseconds + (attoseconds >= 0 ? 500_000_000_000 : -500_000_000_000)) / 1_000_000_000_000
        let magnitude = micros.magnitude
        let fraction = String(magnitude % 1000)
        return (micros < 0 ? "-" : "") + String(magnitude / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
