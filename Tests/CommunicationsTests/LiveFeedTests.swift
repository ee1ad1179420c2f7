import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// The feed itself, against Postgres: numbering under concurrency and the set-based fan-out.
@Suite struct LiveFeedTests {
    @Test func concurrentAppendsForOneUserKeepAGaplessOrder() async throws {
        try await CommunicationsFixture.run { fixture in
            let user = UUID()
            let others = (0..<3).map { _ in UUID() }
            try await TestDatabase.withClient(fixture.database.url(for: .communications)) { client in
                let logger = Logger(label: "test.live")
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<20 {
                        group.addTask {
                            try await client.transaction(logger: logger) { connection in
                                // Half the writers fan out to several users at once, in varying order.
                                let users = index.isMultiple(of: 2) ? [user] : (others + [user]).shuffled()
                                let item = LiveItem(kind: "test", id: UUID(), payload: .object(["n": .number(Double(index))]))
                                try await LiveFeed().append(item, to: users, on: connection, logger: logger)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let seqs = try await fixture.sql(
                "SELECT string_agg(seq::text, ',' ORDER BY seq) FROM communications.live_items WHERE user_id = '\(user)'"
            )
            #expect(seqs == [(1...20).map(String.init).joined(separator: ",")])
            let distinct = try await fixture.sql(
                "SELECT count(DISTINCT payload->>'n')::text FROM communications.live_items WHERE user_id = '\(user)'"
            )
            #expect(distinct == ["20"])
            let head = try await fixture.sql("SELECT last_seq::text FROM communications.live_heads WHERE user_id = '\(user)'")
            #expect(head == ["20"])
            let otherCounts = try await fixture.sql(
                "SELECT string_agg(last_seq::text, ',') FROM communications.live_heads WHERE user_id <> '\(user)'"
            )
            #expect(otherCounts == ["10,10,10"])
        }
    }

    @Test func eachUserGetsTheirOwnItemsInTheOrderGiven() async throws {
        try await CommunicationsFixture.run { fixture in
            let (alice, bob) = (UUID(), UUID())
            try await TestDatabase.withClient(fixture.database.url(for: .communications)) { client in
                let logger = Logger(label: "test.live")
                try await client.transaction(logger: logger) { connection in
                    let items: [(user: UUID, item: LiveItem)] = [
                        (alice, LiveItem(kind: "notification", id: UUID(), payload: .string("a1"))),
                        (bob, LiveItem(kind: "notification", id: UUID(), payload: .string("b1"))),
                        (alice, LiveItem(kind: "message", id: UUID(), payload: .string("a2"))),
                    ]
                    try await LiveFeed().append(items, on: connection, logger: logger)
                }
            }
            let rows = try await fixture.sql(
                "SELECT user_id::text || ' ' || seq || ' ' || kind || ' ' || payload::text FROM communications.live_items ORDER BY user_id = '\(alice)' DESC, seq"
            )
            #expect(rows == ["\(alice) 1 notification \"a1\"", "\(alice) 2 message \"a2\"", "\(bob) 1 notification \"b1\""].map { $0.lowercased() })
        }
    }
}
