import Foundation
import HummingbirdTesting
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// The events table's monthly partitions move with the clock: created ahead, detached once wholly
/// past retention, by one replica at a time.
@Suite struct PartitionTests {
    static func date(_ text: String) -> Date { RFC3339.date(from: text)! }

    @Test func thePlanCoversRetentionThroughMonthsAhead() {
        let plan = PartitionPlan(now: Self.date("2028-06-15T10:00:00Z"), retentionMonths: 13, monthsAhead: 3)
        #expect(plan.firstMonth == Self.date("2027-05-01T00:00:00Z"))
        #expect(plan.months == 17)  // 2027-05 … 2028-09
        #expect(plan.cutoff == Self.date("2027-05-15T10:00:00Z"))
        #expect(plan.isPastRetention("events_y2027m04"))  // ends 2027-05-01, before the cutoff
        #expect(!plan.isPastRetention("events_y2027m05"))  // holds 2027-05-15 onwards
        #expect(!plan.isPastRetention("events_default"))
        #expect(PartitionPlan.month(ofPartition: "events_y2027m13") == nil)
    }

    /// The clock jumps 18 months ahead: two jobs run at once; one does the work, the other skips;
    /// partitions through three months ahead exist, those wholly past 13 months are detached (and
    /// kept as tables, by default), and events still land in the current month.
    @Test func partitionsAppearAheadAndOldOnesAreDetachedByOneReplica() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await AnalyticsService.buildApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL), overrides: ServiceOverrides(runsOutboxDispatcher: false))
                try await app.test(.router) { _ in }
            }
            let now = Date()
            let later = PartitionPlan.utc.date(byAdding: .month, value: 18, to: now)!
            let logger = Logger(label: "test.partitions")
            try await TestDatabase.withClient(database.url(for: .analytics)) { postgres in
                func job(drops: Bool) -> PartitionMaintenance {
                    PartitionMaintenance(
                        postgres: postgres, settings: PartitionSettings(dropsDetached: drops), clock: .fixed(later), logger: logger)
                }
                async let first = job(drops: false).maintainOnce()
                async let second = job(drops: false).maintainOnce()
                let outcomes = try await [first, second]
                let worked = outcomes.filter(\.ranAlone)
                // Either both ran in turn (the second found nothing to do) or one skipped.
                #expect(!worked.isEmpty)
                #expect(worked.filter { !$0.detached.isEmpty }.count == 1)

                let plan = PartitionPlan(now: later, retentionMonths: 13, monthsAhead: 3)
                var attached: [String] = []
                for try await name in try await postgres.query(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'analytics.events'::regclass ORDER BY 1",
                    logger: logger
                ).decode(String.self) {
                    attached.append(name)
                }
                var expected: [String] = []
                for offset in 0..<plan.months {
                    let month = PartitionPlan.utc.date(byAdding: .month, value: offset, to: plan.firstMonth)!
                    let parts = PartitionPlan.utc.dateComponents([.year, .month], from: month)
                    expected.append(String(format: "events_y%04dm%02d", parts.year!, parts.month!))
                }
                #expect(attached == expected)
                // The migration's window began 12 months before the real now: those wholly older
                // than 13 months before the later clock are detached and kept.
                let detached = worked.flatMap(\.detached)
                #expect(!detached.isEmpty)
                #expect(detached.allSatisfy(plan.isPastRetention))
                for name in detached {
                    #expect(try await Self.exists(name, postgres, logger))
                }
                // A second pass finds nothing to do.
                let again = try await job(drops: true).maintainOnce()
                #expect(again == PartitionMaintenance.Outcome(ranAlone: true))
            }
        }
    }

    @Test func droppingDetachedPartitionsWhenAsked() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let app = try await AnalyticsService.buildApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL), overrides: ServiceOverrides(runsOutboxDispatcher: false))
                try await app.test(.router) { _ in }
            }
            let later = PartitionPlan.utc.date(byAdding: .month, value: 14, to: Date())!
            let logger = Logger(label: "test.partitions")
            try await TestDatabase.withClient(database.url(for: .analytics)) { postgres in
                let outcome = try await PartitionMaintenance(
                    postgres: postgres, settings: PartitionSettings(dropsDetached: true), clock: .fixed(later), logger: logger
                ).maintainOnce()
                #expect(!outcome.dropped.isEmpty)
                #expect(outcome.dropped == outcome.detached)
                for name in outcome.dropped { #expect(try await !Self.exists(name, postgres, logger)) }
            }
        }
    }

    @Test func eventIDsArePurgedAfterTheDedupeWindow() {
        #expect(
            PartitionSettings(dedupeWindowDays: 30).eventIDPurge
                == PurgeTarget(table: "analytics.event_ids", timeColumn: "received_at", retention: .seconds(30 * 86_400)))
        #expect(AnalyticsEntryPoint.settingsHelp.contains("ANALYTICS_RETENTION_MONTHS"))
    }

    static func exists(_ table: String, _ postgres: PostgresClient, _ logger: Logger) async throws -> Bool {
        for try await found in try await postgres.query("SELECT to_regclass(\("analytics." + table)) IS NOT NULL", logger: logger).decode(Bool.self) {
            return found
        }
        return false
    }
}
