import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import AnalyticsService

/// The allow-list of client event names and its admin routes.
@Suite struct IngestionEventNameTests {
    @Test func staffExtendTheListAndClientsMaySendTheNewName() async throws {
        try await IngestionFixture.run { app in
            let staff = try await app.token(.admin, user: UUID())
            let investor = try await app.token(.investor, user: UUID())
            let body = #"{"name": "webinar_joined", "description": "Joined a live webinar"}"#
            #expect(try await app.client.post("/v1/analytics/event-names", body).status == 401)
            #expect(try await app.client.post("/v1/analytics/event-names", body, token: investor).status == 403)
            let created = try await app.client.post("/v1/analytics/event-names", body, token: staff)
            #expect(created.status == 201, "\(created.text)")
            #expect(created["name"] == "webinar_joined" && created["description"] == "Joined a live webinar")
            #expect(try await app.client.post("/v1/analytics/event-names", body, token: staff).status == 409)
            for bad in [#"{"name": "investment.funded"}"#, #"{"name": "Upper"}"#, #"{"name": "ok", "extra": 1}"#] {
                #expect(try await app.client.post("/v1/analytics/event-names", bad, token: staff).status == 422, "\(bad)")
            }
            let sent = try await app.post("/v1/analytics/events", eventJSON(["name": "webinar_joined", "anonymous_id": "v"]))
            #expect(sent.status == 202)

            // In use: it stays. Unused: it goes.
            #expect(try await app.client.send(.DELETE, "/v1/analytics/event-names/webinar_joined", token: staff).status == 409)
            _ = try await app.client.post("/v1/analytics/event-names", #"{"name": "typo_evnt"}"#, token: staff)
            #expect(try await app.client.send(.DELETE, "/v1/analytics/event-names/typo_evnt", token: investor).status == 403)
            #expect(try await app.client.send(.DELETE, "/v1/analytics/event-names/typo_evnt", token: staff).status == 204)
            #expect(try await app.client.send(.DELETE, "/v1/analytics/event-names/typo_evnt", token: staff).status == 404)
        }
    }

    @Test func theListIsPagedByName() async throws {
        try await IngestionFixture.run { app in
            let token = try await app.token(.investor, user: UUID())
            var names: [String] = []
            var cursor: String?
            repeat {
                let page = try await app.client.get("/v1/analytics/event-names?limit=5" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                #expect(page.status == 200, "\(page.text)")
                if case .array(let items)? = page["data"] { names += items.compactMap { if case .string(let n)? = $0["name"] { n } else { nil } } }
                cursor = page.string("next_cursor")
            } while cursor != nil
            #expect(names.count == 16)
            #expect(names == names.sorted() && names.first == "auth_initiated")
        }
    }
}
