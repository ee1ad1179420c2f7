import Foundation
import Models
import NIOHTTP1
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import AnalyticsService

/// The database going away in the middle of a batch. The cluster is shared by every suite, so it
/// is not restarted: the service's own connections to the test's database are terminated while
/// its insert waits on a lock, which is what a restart does to them (`57P01 admin_shutdown`, then
/// closed sockets the pool must replace).
@Suite struct IngestionOutageTests {
    @Test func aBatchCutOffByTheDatabaseIs503AndItsRetryStoresEachEventOnce() async throws {
        try await IngestionFixture.run { app in
            let token = try await app.token(.investor, user: UUID())
            let ids = (0..<6).map { _ in UUID() }
            let events = ids.map { ["id": .string(lower($0)), "name": "page_viewed"] as JSONValue }
            // The first half arrived before the outage.
            #expect(try await app.post("/v1/analytics/batch", batchJSON(Array(events[..<3])), token: token)["accepted"] == 3)

            let role = ServiceName.analytics.databaseRole
            let database = app.database.name
            let cutOff = try await TestDatabase.withAdmin(database: database) { admin in
                try await admin.withConnection { holder in
                    try await holder.query("BEGIN").get()
                    try await holder.query("LOCK TABLE analytics.event_ids IN ACCESS EXCLUSIVE MODE").get()
                    async let reply = app.post("/v1/analytics/batch", batchJSON(events), token: token)
                    let waiting = try await eventually(timeout: .seconds(20)) {
                        let rows = try await admin.query(
                            "SELECT count(*)::int FROM pg_stat_activity WHERE datname = \(database) AND usename = \(role) AND wait_event_type = 'Lock'"
                        )
                        for try await count in rows.decode(Int.self) { return count > 0 }
                        return false
                    }
                    var seen: [String] = []
                    for try await (user, state, wait, query) in try await admin.query(
                        "SELECT usename::text, coalesce(state, ''), coalesce(wait_event_type, ''), left(query, 60) FROM pg_stat_activity WHERE datname = \(database)"
                    ).decode((String, String, String, String).self) { seen.append("\(user)|\(state)|\(wait)|\(query)") }
                    #expect(waiting, "the batch's insert waits on the lock: \(seen)")
                    try await admin.query(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(database) AND usename = \(role)")
                    let answer = try await reply
                    try await holder.query("ROLLBACK").get()
                    return answer
                }
            }
            #expect(cutOff.status == 503, "\(cutOff.text)")
            #expect(cutOff.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(cutOff.headers.first(name: "Retry-After") == "1")

            // The client retries the same batch, as Retry-After says, until the pool has reconnected.
            var retry = try await app.post("/v1/analytics/batch", batchJSON(events), token: token)
            for _ in 0..<20 where retry.status == 503 {
                try await Task.sleep(for: .milliseconds(250))
                retry = try await app.post("/v1/analytics/batch", batchJSON(events), token: token)
            }
            #expect(retry.status == 202, "\(retry.text)")
            #expect(retry["accepted"] == 3 && retry["duplicates"] == 3)
            let stored = try await app.sql("SELECT id::text FROM analytics.events ORDER BY id")
            #expect(stored == ids.map(lower).sorted())
        }
    }
}
