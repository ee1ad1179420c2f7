import ArgumentParser
import Foundation
import Logging
import PostgresNIO
import ServiceKit

extension AnalyticsEntryPoint {
    public static var commands: [any AsyncParsableCommand.Type] { [DemoEventsCommand.self] }
}

/// `analytics demo-events`: what `make run` (scripts/demo-data.sh) loads so the dashboard has
/// a quarter to show. Writes through `EventWriter` like real traffic, links the generated
/// sign-ups' anonymous ids as `identify` does, then reruns the daily rollup over the window.
/// Idempotent: the events' ids are seeded, so a second run stores nothing new.
struct DemoEventsCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "demo-events",
            abstract: "Load generated analytics events for the demo (idempotent) and roll up the days they cover."
        )
    }

    @Option(name: .customLong("user"), help: "A demo account's user id; repeat for each.")
    var users: [String] = []

    @Option(name: .customLong("offering"), help: "An offering the funnel's events name; repeat for each.")
    var offerings: [String] = []

    @Option(help: "Generated visitors.")
    var visitors: Int = 600

    @Option(help: "Days of history, ending today.")
    var days: Int = 90

    @Option(help: "The generator's seed: another seed, another (equally believable) quarter.")
    var seed: Int = 13

    func validate() throws {
        for id in self.users + self.offerings where UUID(uuidString: id) == nil {
            throw ValidationError("not a UUID: \(id)")
        }
        guard (1...20_000).contains(self.visitors) else { throw ValidationError("--visitors must be from 1 to 20000") }
        // The event partitions reach a year back (migration 0001).
        guard (1...300).contains(self.days) else { throw ValidationError("--days must be from 1 to 300") }
    }

    func run() async throws {
        let configuration = try ServiceCommand<AnalyticsEntryPoint>.loadConfiguration()
        LoggingSystem.bootstrapJSON(service: "analytics", level: configuration.logLevel)
        let logger = Logger(label: "tract.analytics.demo-events")
        let client = PostgresClient(configuration: try configuration.database.clientConfiguration, backgroundLogger: logger)
        let options = DemoAnalytics.Options(
            visitors: self.visitors, days: self.days, seed: UInt64(truncatingIfNeeded: self.seed),
            demoUsers: self.users.compactMap(UUID.init(uuidString:)), offerings: self.offerings.compactMap(UUID.init(uuidString:)))
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await DemoLoader(postgres: client, clock: .system).load(options, logger: logger)
        }
        print("analytics demo: \(result.stored) of \(result.generated) generated events stored (the rest were there already)")
    }
}

/// Stores a `DemoAnalytics` quarter and rolls it up.
struct DemoLoader: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock

    static let chunk = 2_000

    func load(_ options: DemoAnalytics.Options, logger: Logger) async throws -> (generated: Int, stored: Int) {
        let generator = DemoAnalytics(options: options, now: self.clock.now)
        let output = generator.generate()
        // Identities before events: the writer gives an identified visitor's anonymous events
        // their user as actor, as it does for real traffic after `identify`.
        try await self.postgres.query(
            """
            INSERT INTO analytics.identities (anonymous_id, user_id, identified_at)
            SELECT a, u, \(self.clock.now) FROM unnest(\(output.identities.map(\.anonymousID)), \(output.identities.map(\.userID))) AS t(a, u)
            ON CONFLICT (anonymous_id) DO NOTHING
            """,
            logger: logger
        )
        var stored = 0
        let writer = EventWriter()
        for start in stride(from: 0, to: output.events.count, by: Self.chunk) {
            let slice = Array(output.events[start..<min(start + Self.chunk, output.events.count)])
            stored += try await writer.write(slice, on: self.postgres, logger: logger).count
        }
        let range = DayRange(from: generator.firstDay, to: generator.firstDay + Double(options.days) * 86_400)
        try await MetricsRollup(postgres: self.postgres, clock: self.clock).recompute(range: range, logger: logger)
        return (output.events.count, stored)
    }
}
