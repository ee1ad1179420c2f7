extension Duration {
    /// The duration as fractional seconds, for Postgres intervals (`make_interval(secs => …)`),
    /// rates and timings, which all take a Double.
    public var inSeconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
