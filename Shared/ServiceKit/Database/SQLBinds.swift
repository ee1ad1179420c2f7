import PostgresNIO

/// Positional parameters for SQL assembled from optional parts (search filters): each value is
/// bound, never spliced, and `add` returns its placeholder. The SQL text itself must come only
/// from code.
public struct SQLBinds: Sendable {
    public private(set) var bindings = PostgresBindings()

    public init() {}

    /// Binds `value` and returns its placeholder (`$3`).
    public mutating func add(_ value: some PostgresNonThrowingEncodable) -> String {
        self.bindings.append(value)
        return "$\(self.bindings.count)"
    }

    public func query(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: self.bindings)
    }
}
