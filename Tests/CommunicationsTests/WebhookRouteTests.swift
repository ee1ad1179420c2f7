import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// The webhook routes: who may use them, what they refuse, and that every one answers as
/// `/openapi.json` says.
@Suite struct WebhookRouteTests {
    static let path = "/v1/communications/webhooks"

    /// Another user's endpoint is 404 on every route; a caller who is neither sponsor nor staff is
    /// 403; no token is 401.
    @Test func othersEndpointsAreNotFoundAndInvestorsAreForbidden() async throws {
        try await WebhookFixture.run { fixture in
            let owner = try await fixture.user([.sponsor])
            let stranger = try await fixture.user([.sponsor])
            let investor = try await fixture.user([.investor, .developer])
            let (endpoint, _) = try await fixture.register(owner)
            let delivery = try await fixture.sendTest(endpoint, by: owner)
            try await fixture.waitForAttempts(delivery, count: 1)
            let one = "\(Self.path)/\(endpoint)"
            let calls: [(HTTPMethod, String, String?)] = [
                (.GET, one, nil), (.PATCH, one, #"{"description":"mine now"}"#), (.DELETE, one, nil), (.POST, "\(one)/rotate-secret", nil),
                (.POST, "\(one)/test", nil), (.GET, "\(one)/deliveries", nil), (.GET, "\(one)/deliveries/\(delivery)/attempts", nil),
                (.POST, "\(one)/deliveries/\(delivery)/replay", nil),
            ]
            for (method, url, body) in calls {
                expectProblem(try await fixture.client.send(method, url, json: body, token: stranger.token), 404)
                expectProblem(try await fixture.client.send(method, url, json: body, token: investor.token), 403)
                expectProblem(try await fixture.client.send(method, url, json: body, token: nil), 401)
            }
            expectProblem(try await fixture.client.get(Self.path, token: investor.token), 403)
            expectProblem(
                try await fixture.client.post(Self.path, #"{"url":"https://x.example/","event_types":["investment.funded"]}"#, token: investor.token),
                403)
            // The stranger's own list is empty; the owner's endpoint is untouched.
            #expect(try await fixture.client.get(Self.path, token: stranger.token)["data"] == .array([]))
            let shown = try await fixture.client.get(one, token: owner.token)
            #expect(shown.status == 200 && shown["description"] == .null)
            // A delivery of another endpoint, even the caller's own, is not found under this one.
            let (second, _) = try await fixture.register(owner)
            expectProblem(try await fixture.client.get("\(Self.path)/\(second)/deliveries/\(delivery)/attempts", token: owner.token), 404)
            expectProblem(try await fixture.client.post("\(Self.path)/\(second)/deliveries/\(delivery)/replay", "", token: owner.token), 404)
            expectProblem(try await fixture.client.get("\(Self.path)/not-a-uuid", token: owner.token), 404)
        }
    }

    @Test(arguments: [
        (#"{"event_types":["investment.funded"]}"#, "url"),
        (#"{"url":"ftp://x.example/","event_types":["investment.funded"]}"#, "url"),
        (#"{"url":"https://x.example/\u0000","event_types":["investment.funded"]}"#, "url"),
        (#"{"url":12,"event_types":["investment.funded"]}"#, "url"),
        (#"{"url":"https://user:pw@x.example/","event_types":["investment.funded"]}"#, "url"),
        (#"{"url":"https://no-such-host.invalid/","event_types":["investment.funded"]}"#, "url"),
        (#"{"url":"https://x.example/"}"#, "event_types"),
        (#"{"url":"https://x.example/","event_types":[]}"#, "event_types"),
        (#"{"url":"https://x.example/","event_types":["user.created"]}"#, "event_types"),
        (#"{"url":"https://x.example/","event_types":"investment.funded"}"#, "event_types"),
        (#"{"url":"https://x.example/","event_types":[1e400]}"#, "event_types"),
        (#"{"url":"https://x.example/","event_types":["investment.funded"],"enabled":"yes"}"#, "enabled"),
        (#"{"url":"https://x.example/","event_types":["investment.funded"],"enabled":null}"#, "enabled"),
        (#"{"url":"https://x.example/","event_types":["investment.funded"],"description":"\#(String(repeating: "d", count: 501))"}"#, "description"),
        (#"{"url":"https://x.example/","event_types":["investment.funded"],"secret":"whsec_mine"}"#, "secret"),
        (#"{"url":"https://x.example/","event_types":["investment.funded"],"owner_id":"x"}"#, "owner_id"),
        (#"["https://x.example/"]"#, "body"),
    ])
    func badInputIsA4xxProblemNamingTheField(body: String, field: String) async throws {
        try await WebhookFixture.run(settings: WebhookFixture.settings(allowPrivateTargets: false)) { fixture in
            let sponsor = try await fixture.user()
            let reply = try await fixture.client.post(Self.path, body, token: sponsor.token)
            #expect((400..<500).contains(reply.status), "\(reply.status) \(reply.text)")
            #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
            if field != "body" || reply.status == 422 {
                #expect(reply.text.contains(#""field":"\#(field)""#) || reply.text.contains("\(field)"), "\(reply.text)")
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.webhook_endpoints") == ["0"])
        }
    }

    @Test func listsPageByTheKitsCursorAndLimitsHold() async throws {
        var settings = WebhookFixture.settings()
        settings.maxEndpointsPerOwner = 3
        try await WebhookFixture.run(settings: settings) { fixture in
            let sponsor = try await fixture.user()
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try await fixture.register(sponsor).id) }
            let fourth = try await fixture.client.post(
                Self.path, #"{"url":"\#(fixture.receiverURL.absoluteString)/hook","event_types":["investment.funded"]}"#, token: sponsor.token)
            expectProblem(fourth, 409)
            let first = try await fixture.client.get("\(Self.path)?limit=2", token: sponsor.token)
            let cursor = try #require(first.string("next_cursor"))
            let second = try await fixture.client.get("\(Self.path)?limit=2&cursor=\(cursor)", token: sponsor.token)
            #expect(second["next_cursor"] == .null)
            let seen = (items(first["data"]) + items(second["data"])).compactMap { value -> String? in
                if case .string(let id)? = value["id"] { return id }
                return nil
            }
            #expect(seen == ids.reversed())
            expectProblem(try await fixture.client.get("\(Self.path)?limit=0", token: sponsor.token), 422)
            expectProblem(try await fixture.client.get("\(Self.path)?cursor=nope", token: sponsor.token), 422)
            expectProblem(try await fixture.client.get("\(Self.path)/\(ids[0])/deliveries?status=lost", token: sponsor.token), 422)
            // A patch is checked as a whole; unknown and computed keys are named.
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.path)/\(ids[0])", json: #"{"url":"gopher://x"}"#, token: sponsor.token), 422)
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.path)/\(ids[0])", json: #"{"scope":"platform"}"#, token: sponsor.token), 422)
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.path)/\(ids[0])", json: #"{"url":null}"#, token: sponsor.token), 422)
            let changed = try await fixture.client.send(
                .PATCH, "\(Self.path)/\(ids[0])", json: #"{"description":"Our CRM","event_types":["investment.funded","investment.funded"]}"#,
                token: sponsor.token)
            #expect(changed.status == 200, "\(changed.text)")
            #expect(changed["event_types"] == .array(["investment.funded"]))
            #expect(changed.string("description") == "Our CRM")
            #expect(try await fixture.client.send(.DELETE, "\(Self.path)/\(ids[0])", json: nil, token: sponsor.token).status == 204)
            expectProblem(try await fixture.client.send(.DELETE, "\(Self.path)/\(ids[0])", json: nil, token: sponsor.token), 404)
        }
    }

    /// Test events and replays call out at the caller's word: limited per user.
    @Test func testEventsAreRateLimited() async throws {
        var settings = WebhookFixture.settings()
        settings.callsPerUser = TokenBucket(2, per: .seconds(3600))
        try await WebhookFixture.run(settings: settings) { fixture in
            let sponsor = try await fixture.user()
            let (endpoint, _) = try await fixture.register(sponsor)
            _ = try await fixture.sendTest(endpoint, by: sponsor)
            _ = try await fixture.sendTest(endpoint, by: sponsor)
            let third = try await fixture.client.post("\(Self.path)/\(endpoint)/test", "", token: sponsor.token)
            expectProblem(third, 429)
            #expect(third.headers.first(name: "Retry-After") != nil)
        }
    }

    /// Every webhook route answers as the served document says, successes and refusals, and no
    /// route is undocumented.
    @Test func everyRouteAnswersAsTheDocumentSays() async throws {
        try await WebhookFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let (sam, eve, ivy) = (try await fixture.user([.sponsor]), try await fixture.user([.sponsor]), try await fixture.user([.investor]))
            var seen: [(method: String, path: String, reply: JSONClient.Reply)] = []
            func call(_ method: HTTPMethod, _ template: String, _ url: String, _ body: String? = nil, _ user: WebhookFixture.User?) async throws
                -> JSONClient.Reply
            {
                let reply = try await fixture.client.send(method, url, json: body, token: user?.token)
                seen.append((method.rawValue, template, reply))
                return reply
            }
            let base = Self.path
            let good =
                #"{"url":"\#(fixture.receiverURL.absoluteString)/hook","event_types":["investment.committed","distribution.completed"],"description":"CRM"}"#
            let created = try await call(.POST, base, base, good, sam)
            let id = try #require(created.string("id"))
            _ = try await call(.POST, base, base, #"{"url":"nope","event_types":["x"]}"#, sam)
            _ = try await call(.POST, base, base, good, ivy)
            _ = try await call(.POST, base, base, good, nil)
            _ = try await call(.GET, base, base, nil, sam)
            _ = try await call(.GET, base, base + "?limit=500", nil, sam)
            let one = "\(base)/{id}"
            _ = try await call(.GET, one, "\(base)/\(id)", nil, sam)
            _ = try await call(.GET, one, "\(base)/\(id)", nil, eve)
            _ = try await call(.PATCH, one, "\(base)/\(id)", #"{"enabled":false}"#, sam)
            _ = try await call(.PATCH, one, "\(base)/\(id)", #"{"enabled":true,"description":null}"#, sam)
            _ = try await call(.PATCH, one, "\(base)/\(id)", #"{"event_types":[]}"#, sam)
            _ = try await call(.POST, "\(one)/rotate-secret", "\(base)/\(id)/rotate-secret", nil, sam)
            _ = try await call(.POST, "\(one)/rotate-secret", "\(base)/\(id)/rotate-secret", nil, eve)
            let test = try await call(.POST, "\(one)/test", "\(base)/\(id)/test", nil, sam)
            _ = try await call(.POST, "\(one)/test", "\(base)/\(id)/test", nil, ivy)
            let delivery = try #require(test.string("id"))
            try await fixture.waitForAttempts(delivery, count: 1)
            _ = try await call(.GET, "\(one)/deliveries", "\(base)/\(id)/deliveries", nil, sam)
            _ = try await call(.GET, "\(one)/deliveries", "\(base)/\(id)/deliveries?status=x", nil, sam)
            let attempts = "\(one)/deliveries/{delivery_id}/attempts"
            _ = try await call(.GET, attempts, "\(base)/\(id)/deliveries/\(delivery)/attempts", nil, sam)
            _ = try await call(.GET, attempts, "\(base)/\(id)/deliveries/\(UUID())/attempts", nil, sam)
            let replay = "\(one)/deliveries/{delivery_id}/replay"
            _ = try await call(.POST, replay, "\(base)/\(id)/deliveries/\(delivery)/replay", nil, eve)
            _ = try await call(.POST, replay, "\(base)/\(id)/deliveries/\(delivery)/replay", nil, sam)
            try await fixture.waitForAttempts(delivery, count: 2)
            _ = try await call(.DELETE, one, "\(base)/\(id)", nil, eve)
            _ = try await call(.DELETE, one, "\(base)/\(id)", nil, sam)

            for (method, path, reply) in seen {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: reply.status, contentType: reply.headers.first(name: "Content-Type") ?? "",
                    body: reply.text)
                #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: path, status: reply.status), !reply.text.isEmpty
                {
                    let mismatches = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                    #expect(mismatches.isEmpty, "\(method) \(path) \(reply.status): \(mismatches)")
                }
            }
            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix(base) {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") } }
                }
            }
            #expect(documented == Set(seen.map { "\($0.method) \($0.path)" }))
            for operation in documented {
                let replies = seen.filter { "\($0.method) \($0.path)" == operation }.map(\.reply.status)
                #expect(replies.contains { $0 < 300 } && replies.contains { $0 >= 400 }, "\(operation): \(replies)")
            }
        }
    }
}
