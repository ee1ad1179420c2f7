import Foundation
import Logging
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// A user's notifications over HTTP: list, unread, mark read, delete; staff sending to a user or a
/// segment; another user's notification is 404; bad input is a 4xx problem.
@Suite struct NotificationRouteTests {
    static let ada = UUID()
    static let bob = UUID()

    /// Three notifications for Ada, one for Bob, made by staff.
    static func seed(_ fixture: NotificationFixture) async throws -> String {
        let staff = try await fixture.token(UUID(), roles: [.admin])
        for title in ["First", "Second", "Third"] {
            let made = try await fixture.client.post(
                "/v1/communications/notifications",
                #"{"user_id":"\#(Self.ada.uuidString.lowercased())","category":"product","title":"\#(title)","message":"Hello Ada"}"#,
                token: staff)
            try #require(made.status == 201, "\(made.text)")
            #expect(made.text.contains(#""recipients":1,"created":1"#))
        }
        let bob = try await fixture.client.post(
            "/v1/communications/notifications",
            #"{"user_id":"\#(Self.bob.uuidString.lowercased())","category":"product","title":"Bob's","message":"Hello Bob"}"#, token: staff)
        try #require(bob.status == 201)
        return staff
    }

    static func ids(_ reply: JSONClient.Reply) -> [String] {
        guard case .object(let body) = reply.json, case .array(let rows)? = body["data"] else { return [] }
        return rows.compactMap { row in
            guard case .object(let fields) = row, case .string(let id)? = fields["id"] else { return nil }
            return id
        }
    }

    @Test func aUserListsReadsAndDeletesTheirOwn() async throws {
        try await NotificationFixture.run { fixture in
            _ = try await Self.seed(fixture)
            let ada = try await fixture.token(Self.ada)
            #expect(try await fixture.titles(Self.ada) == ["Third", "Second", "First"])
            let page = try await fixture.client.get("/v1/communications/notifications?limit=2", token: ada)
            #expect(Self.ids(page).count == 2)
            let cursor = try #require(page.string("next_cursor"))
            let next = try await fixture.client.get("/v1/communications/notifications?limit=2&cursor=\(cursor)", token: ada)
            #expect(next.text.contains(#""title": "First""#))
            #expect(next.text.contains(#""next_cursor":null"#))
            let all = Self.ids(try await fixture.client.get("/v1/communications/notifications", token: ada))
            #expect(try await fixture.client.get("/v1/communications/notifications/unread-count", token: ada).text == #"{"unread_count":3}"#)

            // One read; it leaves the unread list and the count.
            let read = try await fixture.client.post("/v1/communications/notifications/\(all[0])/read", "", token: ada)
            #expect(read.status == 200)
            #expect(read.string("read_at") != nil)
            #expect(try await fixture.titles(Self.ada, query: "?unread=true") == ["Second", "First"])
            // Several: the one already read is not counted again.
            let several = try await fixture.client.post("/v1/communications/notifications/read", #"{"ids":["\#(all[0])","\#(all[1])"]}"#, token: ada)
            #expect(several.text == #"{"marked_read":1}"#)
            #expect(try await fixture.client.get("/v1/communications/notifications/unread-count", token: ada).text == #"{"unread_count":1}"#)
            let rest = try await fixture.client.post("/v1/communications/notifications/read", #"{"all":true}"#, token: ada)
            #expect(rest.text == #"{"marked_read":1}"#)
            #expect(try await fixture.titles(Self.ada, query: "?unread=true") == [])
            // Reading again changes nothing and tells nobody.
            #expect(try await fixture.client.post("/v1/communications/notifications/\(all[0])/read", "", token: ada).status == 200)
            // Ada's other open clients heard of each change, with the count left.
            #expect(
                try await fixture.sql(
                    """
                    SELECT jsonb_array_length(payload->'ids') || ' ' || (payload->>'unread_count') FROM communications.live_items
                    WHERE user_id = '\(Self.ada.uuidString.lowercased())' AND kind = 'notification.read' ORDER BY seq
                    """) == ["1 2", "1 1", "1 0"])

            let deleted = try await fixture.client.send(.DELETE, "/v1/communications/notifications/\(all[1])", token: ada)
            #expect(deleted.status == 204)
            #expect(try await fixture.titles(Self.ada) == ["Third", "First"])
            #expect(try await fixture.client.send(.DELETE, "/v1/communications/notifications/\(all[1])", token: ada).status == 404)
            // Bob's list is his own.
            #expect(try await fixture.titles(Self.bob) == ["Bob's"])
        }
    }

    @Test func anotherUsersNotificationIsNotFound() async throws {
        try await NotificationFixture.run { fixture in
            _ = try await Self.seed(fixture)
            let bob = try await fixture.token(Self.bob)
            let adas = Self.ids(try await fixture.client.get("/v1/communications/notifications", token: try await fixture.token(Self.ada)))
            let read = try await fixture.client.post("/v1/communications/notifications/\(adas[0])/read", "", token: bob)
            #expect(read.status == 404)
            #expect(read.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.client.send(.DELETE, "/v1/communications/notifications/\(adas[0])", token: bob).status == 404)
            let several = try await fixture.client.post("/v1/communications/notifications/read", #"{"ids":["\#(adas[0])"]}"#, token: bob)
            #expect(several.text == #"{"marked_read":0}"#)
            #expect(try await fixture.titles(Self.ada, query: "?unread=true").count == 3)
            // Anonymous callers and service tokens are refused.
            #expect(try await fixture.client.get("/v1/communications/notifications").status == 401)
            let service = try await fixture.issuer.serviceToken(for: .investments)
            #expect(try await fixture.client.get("/v1/communications/notifications", token: service).status == 403)
        }
    }

    @Test func badInputIsAProblemNamingTheField() async throws {
        try await NotificationFixture.run { fixture in
            let staff = try await Self.seed(fixture)
            let ada = try await fixture.token(Self.ada)
            let tooMany = "[" + (0...200).map { _ in "\"\(UUID().uuidString)\"" }.joined(separator: ",") + "]"
            let cases: [(JSONClient.Reply, String)] = [
                (try await fixture.client.get("/v1/communications/notifications?unread=maybe", token: ada), "unread"),
                (try await fixture.client.get("/v1/communications/notifications?limit=0", token: ada), "limit"),
                (try await fixture.client.get("/v1/communications/notifications?cursor=nonsense", token: ada), "cursor"),
                (try await fixture.client.post("/v1/communications/notifications/read", #"{"ids":\#(tooMany)}"#, token: ada), "ids"),
                (try await fixture.client.post("/v1/communications/notifications/read", #"{"ids":["x"]}"#, token: ada), "ids[0]"),
                (try await fixture.client.post("/v1/communications/notifications/read", #"{"all":false}"#, token: ada), "all"),
                (try await fixture.client.post("/v1/communications/notifications/read", #"{"everything":true}"#, token: ada), "everything"),
                (
                    try await fixture.client.post(
                        "/v1/communications/notifications", #"{"category":"gossip","title":"Hi","message":"Hi"}"#, token: staff), "category"
                ),
                (
                    try await fixture.client.post(
                        "/v1/communications/notifications",
                        #"{"user_id":"\#(Self.ada.uuidString)","segment_id":"\#(UUID().uuidString)","category":"product","title":"Hi","message":"Hi"}"#,
                        token: staff), "user_id"
                ),
                (
                    try await fixture.client.post(
                        "/v1/communications/notifications",
                        #"{"user_id":"\#(Self.ada.uuidString)","category":"product","title":"Hi","message":"Hi","action_url":"javascript:alert(1)"}"#,
                        token: staff), "action_url"
                ),
                (
                    try await fixture.client.post(
                        "/v1/communications/notifications",
                        #"{"segment_id":"\#(UUID().uuidString)","category":"product","title":"Hi","message":"Hi"}"#, token: staff), "segment_id"
                ),
            ]
            for (reply, field) in cases {
                #expect(reply.status == 422, "\(field): \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(reply.text.contains(#""field":"\#(field)""#), "\(reply.text)")
            }
            #expect(try await fixture.client.post("/v1/communications/notifications/not-an-id/read", "", token: ada).status == 404)
            // Only staff create.
            let notStaff = try await fixture.client.post(
                "/v1/communications/notifications", #"{"user_id":"\#(Self.bob.uuidString)","category":"product","title":"Hi","message":"Hi"}"#,
                token: ada)
            #expect(notStaff.status == 403)
            #expect(try await fixture.titles(Self.bob) == ["Bob's"])
        }
    }

    /// Staff send to an analytics segment: every member, once, even when the POST is retried.
    @Test func staffNotifyASegmentsMembersOnce() async throws {
        let segment = UUID()
        let members = [UUID(), UUID(), UUID()]
        try await NotificationFixture.run(segments: [segment: members]) { fixture in
            let staff = try await fixture.token(UUID(), roles: [.admin])
            let body =
                #"{"segment_id":"\#(segment.uuidString.lowercased())","category":"community","title":"Webinar tonight","message":"Join us at 7pm."}"#
            let first = try await fixture.client.post(
                "/v1/communications/notifications", body, token: staff, headers: [("Idempotency-Key", "webinar-0001")])
            #expect(first.status == 201, "\(first.text)")
            #expect(first.text.contains(#""recipients":3,"created":3"#))
            let again = try await fixture.client.post(
                "/v1/communications/notifications", body, token: staff, headers: [("Idempotency-Key", "webinar-0001")])
            #expect(again.text.contains(#""recipients":3,"created":0"#))
            for member in members { #expect(try await fixture.titles(member) == ["Webinar tonight"]) }
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.notifications") == ["3"])
        }
    }

    @Test func theDocumentIsTrueOfTheRunningService() async throws {
        try await NotificationFixture.run { fixture in
            let staff = try await Self.seed(fixture)
            let document = try await fixture.client.get("/openapi.json").json
            let ada = try await fixture.token(Self.ada)
            let id = Self.ids(try await fixture.client.get("/v1/communications/notifications", token: ada))[0]
            let checks: [(String, String, JSONClient.Reply)] = [
                ("GET", "/v1/communications/notifications", try await fixture.client.get("/v1/communications/notifications", token: ada)),
                ("GET", "/v1/communications/notifications", try await fixture.client.get("/v1/communications/notifications?unread=2", token: ada)),
                ("GET", "/v1/communications/notifications", try await fixture.client.get("/v1/communications/notifications")),
                (
                    "GET", "/v1/communications/notifications/unread-count",
                    try await fixture.client.get("/v1/communications/notifications/unread-count", token: ada)
                ),
                (
                    "POST", "/v1/communications/notifications/{id}/read",
                    try await fixture.client.post("/v1/communications/notifications/\(id)/read", "", token: ada)
                ),
                (
                    "POST", "/v1/communications/notifications/{id}/read",
                    try await fixture.client.post("/v1/communications/notifications/\(UUID())/read", "", token: ada)
                ),
                (
                    "POST", "/v1/communications/notifications/read",
                    try await fixture.client.post("/v1/communications/notifications/read", #"{"all":true}"#, token: ada)
                ),
                (
                    "DELETE", "/v1/communications/notifications/{id}",
                    try await fixture.client.send(.DELETE, "/v1/communications/notifications/\(id)", token: ada)
                ),
                (
                    "POST", "/v1/communications/notifications",
                    try await fixture.client.post(
                        "/v1/communications/notifications", #"{"user_id":"\#(Self.bob)","category":"product","title":"Hi","message":"Hi"}"#,
                        token: staff)
                ),
                ("POST", "/v1/communications/notifications", try await fixture.client.post("/v1/communications/notifications", "{}", token: ada)),
            ]
            #expect(checks.map(\.2.status) == [200, 422, 401, 200, 200, 404, 200, 204, 201, 403])
            for (method, path, reply) in checks {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: reply.status, contentType: reply.headers.first(name: "Content-Type") ?? "",
                    body: reply.text)
                #expect(found.isEmpty, "\(method) \(path): \(found)")
            }
        }
    }

    /// Read or deleted notifications, and finished mails, go once past retention; unread ones and
    /// mail still to send stay, however old.
    @Test func theRetentionPurgeTakesOnlyWhatIsDone() async throws {
        try await NotificationFixture.run { fixture in
            _ = try await Self.seed(fixture)
            _ = try await fixture.sql(
                """
                UPDATE communications.notifications SET read_at = now() - interval '3 days', created_at = now() - interval '4 days'
                WHERE title IN ('First', 'Second')
                """)
            _ = try await fixture.sql("UPDATE communications.notifications SET created_at = now() - interval '4 days' WHERE title = 'Bob''s'")
            let deleted = try await TestDatabase.withAdmin(database: fixture.database.name) { admin in
                try await RetentionPurge(
                    client: admin, targets: NotificationRetention.targets(.seconds(2 * 86400)), interval: .seconds(60), batchSize: 1,
                    logger: Logger(label: "test.purge")
                ).purgeOnce()
            }
            #expect(deleted["communications.notifications"] == 2)
            #expect(try await fixture.titles(Self.ada) == ["Third"])
            #expect(try await fixture.titles(Self.bob) == ["Bob's"])
        }
    }
}
