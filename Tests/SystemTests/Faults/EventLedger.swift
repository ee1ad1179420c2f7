import Foundation
import Models
import ServiceKit
import Testing

/// Both ends of every event stream in a `FaultSuite`'s database: for each producer and subscriber,
/// what the producer committed to its outbox, what it recorded as delivered, what went dead, and
/// what the subscriber's inbox applied — with the events missing on either side, matched by id.
/// "No event lost, none applied twice" (ARCHITECTURE.md, "Events") is `lost == 0`, `unknown == 0`
/// and `committed == applied` for every line, once every outbox has settled.
struct EventLedger: CustomStringConvertible {
    struct Line: CustomStringConvertible {
        var producer: ServiceName
        var subscriber: ServiceName
        var committed: Int
        var delivered: Int
        var dead: Int
        var applied: Int
        /// Committed for this subscriber and not given up on, yet not in its inbox.
        var lost: Int
        /// In the subscriber's inbox from this producer, never committed by it for this subscriber.
        var unknown: Int

        var description: String {
            "\(self.producer.rawValue) → \(self.subscriber.rawValue): committed \(self.committed), delivered \(self.delivered), "
                + "dead \(self.dead), applied \(self.applied), lost \(self.lost), unknown \(self.unknown)"
        }
    }

    var lines: [Line]

    var description: String { self.lines.map(\.description).joined(separator: "\n") }

    /// The services that have run (and so migrated) in this database: only they have an outbox and an inbox.
    static func migrated(in suite: FaultSuite) async throws -> [ServiceName] {
        var services: [ServiceName] = []
        for service in ServiceName.allCases
        where try await suite.count("SELECT count(*) FROM pg_tables WHERE schemaname = '\(service.schemas[0])' AND tablename = 'outbox'") == 1 {
            services.append(service)
        }
        return services
    }

    /// Events neither delivered nor dead, across every outbox, for subscribers that have run (one
    /// a test never starts keeps its events waiting, as it should).
    static func pending(in suite: FaultSuite) async throws -> Int {
        let services = try await Self.migrated(in: suite)
        let subscribers = services.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await suite.count(
            services.map {
                "(SELECT count(*) FROM \($0.schemas[0]).outbox WHERE delivered_at IS NULL AND dead_at IS NULL AND subscriber IN (\(subscribers)))"
            }.joined(separator: " + "))
    }

    /// What is still waiting, per producer and subscriber: how many, their attempts, when the next
    /// is due and the last error, so a test that does not settle says why.
    static func unsettled(in suite: FaultSuite) async throws -> String {
        var lines: [String] = []
        for producer in try await Self.migrated(in: suite) {
            let outbox = "\(producer.schemas[0]).outbox"
            let summary = try await suite.text(
                """
                SELECT coalesce(string_agg(format('%s → %s: %s waiting, attempts %s–%s, next due in %s, last error %s',
                    '\(producer.rawValue)', subscriber, n, min_attempts, max_attempts, due, last_error), E'\\n'), '')
                FROM (SELECT subscriber, count(*) AS n, min(attempts) AS min_attempts, max(attempts) AS max_attempts,
                             max(next_attempt_at) - now() AS due, max(last_error) AS last_error
                      FROM \(outbox) WHERE delivered_at IS NULL AND dead_at IS NULL GROUP BY subscriber) waiting
                """)
            if !summary.isEmpty { lines.append(summary) }
        }
        return lines.joined(separator: "\n")
    }

    static func read(_ suite: FaultSuite) async throws -> EventLedger {
        var lines: [Line] = []
        let services = try await Self.migrated(in: suite)
        for producer in services {
            let outbox = "\(producer.schemas[0]).outbox"
            for subscriber in services where subscriber != producer {
                let inbox = "\(subscriber.schemas[0]).inbox"
                let committed = try await suite.count("SELECT count(*) FROM \(outbox) WHERE subscriber = '\(subscriber.rawValue)'")
                let applied = try await suite.count("SELECT count(*) FROM \(inbox) WHERE source = '\(producer.rawValue)'")
                guard committed + applied > 0 else { continue }
                lines.append(
                    Line(
                        producer: producer, subscriber: subscriber, committed: committed,
                        delivered: try await suite.count(
                            "SELECT count(*) FROM \(outbox) WHERE subscriber = '\(subscriber.rawValue)' AND delivered_at IS NOT NULL"),
                        dead: try await suite.count(
                            "SELECT count(*) FROM \(outbox) WHERE subscriber = '\(subscriber.rawValue)' AND dead_at IS NOT NULL"),
                        applied: applied,
                        lost: try await suite.count(
                            """
                            SELECT count(*) FROM \(outbox) o WHERE o.subscriber = '\(subscriber.rawValue)' AND o.dead_at IS NULL
                              AND NOT EXISTS (SELECT FROM \(inbox) i WHERE i.event_id = o.event_id)
                            """),
                        unknown: try await suite.count(
                            """
                            SELECT count(*) FROM \(inbox) i WHERE i.source = '\(producer.rawValue)'
                              AND NOT EXISTS (SELECT FROM \(outbox) o WHERE o.event_id = i.event_id AND o.subscriber = '\(subscriber.rawValue)')
                            """)
                    ))
            }
        }
        return EventLedger(lines: lines)
    }

    /// Every event committed was delivered once and applied once; nothing arrived from nowhere.
    func expectSettled(dead expectedDead: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!self.lines.isEmpty, "events flowed at all", sourceLocation: sourceLocation)
        for line in self.lines {
            #expect(line.lost == 0, "\(line)", sourceLocation: sourceLocation)
            #expect(line.unknown == 0, "\(line)", sourceLocation: sourceLocation)
            #expect(line.committed == line.applied + line.dead, "\(line)", sourceLocation: sourceLocation)
            #expect(line.delivered == line.applied, "\(line)", sourceLocation: sourceLocation)
        }
        #expect(self.lines.map(\.dead).reduce(0, +) == expectedDead, "dead letters:\n\(self)", sourceLocation: sourceLocation)
    }
}
