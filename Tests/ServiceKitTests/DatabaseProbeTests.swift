import Foundation
import Logging
import Models
import PostgresNIO
import TestSupport
import Testing

@testable import ServiceKit

/// The outage probe (issue 20) asks on a connection it keeps (issue 19): one connection for many
/// probes, made anew every `renewal`, and an outage still noticed at the next probe.
@Suite struct DatabaseProbeTests {
    static let logger = Logger(label: "test.probe")

    /// Sessions Postgres has opened on `database` so far (`pg_stat_database`, flushed by each
    /// backend as it ends or every second).
    static func sessions(_ database: TestDatabase) async throws -> Int {
        try await TestDatabase.withAdmin(database: "postgres") { admin in
            let rows = try await admin.query(
                "SELECT sessions FROM pg_stat_database WHERE datname = \(database.name)", logger: Self.logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    @Test func probesShareAConnectionUntilItIsRenewedAndAnOutageIsStillNoticedAtOnce() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let relay = try await TCPRelay(to: TestDatabase.adminURL.host, port: TestDatabase.adminURL.port)
            var url = database.url(for: .analytics)
            url.port = relay.port
            let availability = DatabaseAvailability()
            let probe = DatabaseProbe(
                database: try url.connectionConfiguration, availability: availability, interval: .milliseconds(50),
                timeout: .seconds(2), renewal: .seconds(1), logger: Self.logger)
            let before = try await Self.sessions(database)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await probe.run() }
                defer { group.cancelAll() }

                // About 60 probes in three seconds, on about three connections (one per renewal).
                try await Task.sleep(for: .seconds(3))
                #expect(availability.isAvailable)
                try await Task.sleep(for: .seconds(1.2))  // statistics of the ended sessions flushed
                let opened = try await Self.sessions(database) - before
                #expect((2...6).contains(opened), "\(opened) connections for three seconds of probes every 50 ms")

                // The kept connection drops with the database: the next probe calls it an outage.
                await relay.cut()
                let noticed = try await eventually(timeout: .seconds(1), interval: .milliseconds(20)) { !availability.isAvailable }
                #expect(noticed, "an outage is noticed within a probe or two")
                try await relay.mend()
                let recovered = try await eventually(timeout: .seconds(2), interval: .milliseconds(20)) { availability.isAvailable }
                #expect(recovered, "and its end, on a new connection")
            }
            await relay.close()
        }
    }
}
