import Foundation
import Models

/// Time and new ids, as dependencies (STYLE.md, "Time and randomness are dependencies"): stores
/// and domain code take them from `ServiceDependencies`, never from `Date()` or `UUIDv7.make()`,
/// so a test can fix "now" and predict ids. Postgres's own `now()` (defaults, `updated_at`) stays
/// the database's clock.
public struct ServiceClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ now: @escaping @Sendable () -> Date) { self.read = now }

    public var now: Date { self.read() }

    /// The wall clock.
    public static let system = ServiceClock { Date() }

    /// Always `date`: for tests.
    public static func fixed(_ date: Date) -> ServiceClock { ServiceClock { date } }
}

/// Makes the ids of new rows: UUIDv7, so ids sort by creation (ARCHITECTURE.md, "IDs").
public struct IDGenerator: Sendable {
    private let make: @Sendable () -> UUID

    public init(_ make: @escaping @Sendable () -> UUID) { self.make = make }

    public func next() -> UUID { self.make() }

    /// UUIDv7 at `clock`'s time.
    public static func uuidV7(_ clock: ServiceClock = .system) -> IDGenerator { IDGenerator { UUIDv7.make(at: clock.now) } }
}
