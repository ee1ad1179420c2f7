import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// The staff routes of campaigns: refusals a client would meet (bad input as 4xx problem+json,
/// non-staff 403, a status that forbids the move 409), previews and rate-limited test sends, and
/// every route answering as /openapi.json says.
@Suite struct CampaignRouteTests {
    static let base = "/v1/communications/campaigns"

    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var text: String
    }

    @Test func badInputIsAProblemNamingTheField() async throws {
        try await CampaignFixture.run { fixture in
            func create(_ fields: [String: Any]) async throws -> JSONClient.Reply {
                var body: [String: Any] = [
                    "name": "N", "subject": "S", "html_template": "<p>x</p>", "text_template": "x", "audience": "list",
                ]
                for (key, value) in fields { body[key] = value }
                return try await fixture.client.post(Self.base, try CampaignFixture.json(body.filter { !($0.value is NSNull) }), token: fixture.staff)
            }
            let cases: [([String: Any], String)] = [
                (["html_template": "<p>{{#items}}open section</p>"], "html_template"),
                (["text_template": "{{/never}}"], "text_template"),
                (["subject": "{{name"], "subject"),
                (["name": "a\u{0}b"], "name"),
                (["html_template": "a\u{0}b"], "html_template"),
                (["name": 42], "name"),
                (["name": String(repeating: "x", count: 201)], "name"),
                (["html_template": String(repeating: "x", count: 100_001)], "html_template"),
                (["audience": "everyone"], "audience"),
                (["audience": "segment"], "segment_id"),
                (["audience": "segment", "segment_id": "not-a-uuid"], "segment_id"),
                (["surprise": true], "surprise"),
                (["name": NSNull()], "name"),
            ]
            for (fields, field) in cases {
                let reply = try await create(fields)
                #expect(reply.status == 422, "\(fields.keys): \(reply.status) \(reply.text)")
                #expect(reply.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(reply.text.contains(#""field":"\#(field)""#) || reply.text.contains(#""\#(field)""#), "\(field): \(reply.text)")
            }
            #expect(try await fixture.client.post(Self.base, "{not json", token: fixture.staff).status == 400)
            #expect(try await fixture.client.post(Self.base, "[1]", token: fixture.staff).status == 422)

            let campaign = try await fixture.createCampaign()
            let recipients = "\(Self.base)/\(campaign)/recipients"
            let badRecipients = [
                #"{"recipients":[]}"#, #"{"recipients":[{"email":"nope","user_id":"\#(UUID())"}]}"#,
                #"{"recipients":[{"email":"a@example.com"}]}"#, #"{"recipients":[{"email":"a@example.com","user_id":"\#(UUID())","role":"x"}]}"#,
                #"{"recipients":[{"email":"a@exa\u0000mple.com","user_id":"\#(UUID())"}]}"#, #"{"recipients":"a@example.com"}"#,
                try CampaignFixture.json(["recipients": (0..<1001).map { ["email": "a\($0)@example.com", "user_id": UUID().uuidString] }]),
            ]
            for body in badRecipients {
                let reply = try await fixture.client.post(recipients, body, token: fixture.staff)
                #expect(reply.status == 422, "\(body.prefix(80)): \(reply.text)")
            }
            // Other users' or unknown ids are 404; a malformed id too.
            #expect(try await fixture.client.get("\(Self.base)/\(UUID())", token: fixture.staff).status == 404)
            #expect(try await fixture.client.get("\(Self.base)/nope", token: fixture.staff).status == 404)
            #expect(try await fixture.client.get("\(Self.base)?status=nope", token: fixture.staff).status == 422)
            #expect(try await fixture.client.get("\(Self.base)?cursor=nope", token: fixture.staff).status == 422)
            #expect(try await fixture.client.get("\(Self.base)?limit=100000000000000000000", token: fixture.staff).status == 422)
            let past = #"{"at":"2001-01-01T00:00:00Z"}"#
            #expect(try await fixture.client.post("\(Self.base)/\(campaign)/schedule", past, token: fixture.staff).status == 422)
            #expect(try await fixture.client.post("\(Self.base)/\(campaign)/schedule", #"{"at":12}"#, token: fixture.staff).status == 422)
            // Nobody on the list yet: nothing to send.
            #expect(try await fixture.client.post("\(Self.base)/\(campaign)/send", "", token: fixture.staff).status == 409)
        }
    }

    @Test func onlyStaffReachCampaignsAndSentOnesCannotChange() async throws {
        try await CampaignFixture.run { fixture in
            let campaign = try await fixture.createCampaign()
            let investor = try await fixture.investorToken()
            for (method, path) in [
                (HTTPMethod.GET, Self.base), (.POST, Self.base), (.GET, "\(Self.base)/\(campaign)"), (.PATCH, "\(Self.base)/\(campaign)"),
                (.DELETE, "\(Self.base)/\(campaign)"), (.POST, "\(Self.base)/\(campaign)/send"), (.GET, "\(Self.base)/\(campaign)/report"),
                (.POST, "\(Self.base)/\(campaign)/test"),
            ] {
                let reply = try await fixture.client.send(method, path, json: "{}", token: investor)
                #expect(reply.status == 403, "\(method) \(path): \(reply.status)")
                #expect(try await fixture.client.send(method, path, json: "{}").status == 401)
            }
            // A draft changes; the templates are re-checked on the merged whole.
            let renamed = try await fixture.client.send(.PATCH, "\(Self.base)/\(campaign)", json: #"{"name":"Renamed"}"#, token: fixture.staff)
            #expect(renamed.string("name") == "Renamed")
            #expect(renamed.string("subject") == "News for {{name}} & friends")
            let broken = try await fixture.client.send(.PATCH, "\(Self.base)/\(campaign)", json: #"{"text_template":"{{#a}}"}"#, token: fixture.staff)
            #expect(broken.status == 422)
            #expect(broken.text.contains("text_template"))

            try await fixture.upload(campaign, CampaignFixture.recipients(1))
            _ = try await fixture.client.post("\(Self.base)/\(campaign)/send", "", token: fixture.staff)
            try await fixture.waitFor(campaign, status: "sent")
            let late = try await fixture.client.send(.PATCH, "\(Self.base)/\(campaign)", json: #"{"name":"Too late"}"#, token: fixture.staff)
            #expect(late.status == 409)
            #expect(late.text.contains("A sent campaign cannot be changed"))
            #expect(try await fixture.client.send(.DELETE, "\(Self.base)/\(campaign)", token: fixture.staff).status == 409)
            #expect(
                try await fixture.client.post(
                    "\(Self.base)/\(campaign)/recipients", #"{"recipients":[{"email":"z@example.com","user_id":"\#(UUID())"}]}"#, token: fixture.staff
                ).status == 409)
            #expect(try await fixture.client.post("\(Self.base)/\(campaign)/pause", "", token: fixture.staff).status == 409)
        }
    }

    @Test func previewRendersAndTestSendsAreRateLimited() async throws {
        var settings = CampaignFixture.fast
        settings.testSends = .init(2, per: .seconds(3600))
        try await CampaignFixture.run(campaigns: settings) { fixture in
            let campaign = try await fixture.createCampaign()
            let preview = try await fixture.client.post(
                "\(Self.base)/\(campaign)/preview", #"{"email":"ana@example.com","name":"Ana <b>"}"#, token: fixture.staff)
            #expect(preview.status == 200, "\(preview.text)")
            #expect(preview.string("subject") == "News for Ana <b> & friends")
            #expect(preview.string("text")?.hasPrefix("Hello Ana <b>,\n") == true)
            // HTML escapes the variable; the preview keeps the links as written.
            #expect(preview.string("html")?.contains("Hello Ana &lt;b&gt;,") == true)
            #expect(preview.string("html")?.contains("https://tract.example/blog") == true)
            let sample = try await fixture.client.post("\(Self.base)/\(campaign)/preview", "{}", token: fixture.staff)
            #expect(sample.string("subject") == "News for Alex & friends")

            for round in 0..<2 {
                let sent = try await fixture.client.post(
                    "\(Self.base)/\(campaign)/test", #"{"to":["qa\#(round)@example.com","boss@example.com"]}"#, token: fixture.staff)
                #expect(sent.status == 200, "\(sent.text)")
                #expect(sent.int("sent") == 2)
            }
            let limited = try await fixture.client.post("\(Self.base)/\(campaign)/test", #"{"to":["qa@example.com"]}"#, token: fixture.staff)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            let mails = try fixture.sink.messages()
            #expect(mails.count == 4)
            #expect(mails.allSatisfy { $0.subject == "[Test] News for  & friends" })
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_sends") == ["0"])
            #expect(
                try await fixture.client.post(
                    "\(Self.base)/\(campaign)/test",
                    #"{"to":["a@example.com","b@example.com","c@example.com","d@example.com","e@example.com","f@example.com"]}"#, token: fixture.staff
                )
                .status == 422)
        }
    }

    @Test func everyCampaignRouteAnswersAsTheDocumentSays() async throws {
        var settings = CampaignFixture.fast
        settings.testSends = .init(1, per: .seconds(3600))
        try await CampaignFixture.run(campaigns: settings) { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let investor = try await fixture.investorToken()
            var seen: [(method: String, path: String, reply: Answer)] = []
            func call(_ method: HTTPMethod, _ template: String, _ url: String, _ body: String? = nil, staff: Bool = true) async throws
                -> JSONClient.Reply
            {
                let reply = try await fixture.client.send(method, url, json: body, token: staff ? fixture.staff : investor)
                seen.append((method.rawValue, template, Answer(status: reply.status, headers: reply.headers, text: reply.text)))
                return reply
            }
            let one = "\(Self.base)/{id}"
            let body = try CampaignFixture.json([
                "name": "N", "subject": "Hi {{name}}", "html_template": CampaignFixture.html, "text_template": "x", "audience": "list",
            ])
            let created = try await call(.POST, Self.base, Self.base, body)
            let id = try #require(created.string("id"))
            let path = "\(Self.base)/\(id)"
            _ = try await call(.POST, Self.base, Self.base, #"{"name":"x"}"#)
            _ = try await call(.GET, Self.base, Self.base)
            _ = try await call(.GET, Self.base, Self.base + "?status=nope")
            _ = try await call(.GET, one, path)
            _ = try await call(.GET, one, path, staff: false)
            _ = try await call(.PATCH, one, path, #"{"from_name":"Tract News"}"#)
            _ = try await call(.PATCH, one, path, #"{"html_template":"{{#x}}"}"#)
            _ = try await call(
                .POST, "\(one)/recipients", "\(path)/recipients", #"{"recipients":[{"email":"a@example.com","user_id":"\#(UUID())","name":"A"}]}"#)
            _ = try await call(.POST, "\(one)/recipients", "\(path)/recipients", #"{"recipients":[]}"#)
            _ = try await call(.POST, "\(one)/preview", "\(path)/preview", #"{"name":"Ann"}"#)
            _ = try await call(.POST, "\(one)/preview", "\(path)/preview", #"{"email":"x"}"#)
            _ = try await call(.POST, "\(one)/test", "\(path)/test", #"{"to":["qa@example.com"]}"#)
            _ = try await call(.POST, "\(one)/test", "\(path)/test", #"{"to":["qa@example.com"]}"#)
            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            _ = try await call(.POST, "\(one)/schedule", "\(path)/schedule", #"{"at":"2001-01-01T00:00:00Z"}"#)
            _ = try await call(.POST, "\(one)/schedule", "\(path)/schedule", #"{"at":"\#(at)"}"#)
            _ = try await call(.POST, "\(one)/resume", "\(path)/resume")
            _ = try await call(.POST, "\(one)/pause", "\(path)/pause")
            _ = try await call(.POST, "\(one)/resume", "\(path)/resume")
            _ = try await call(.POST, "\(one)/send", "\(path)/send")
            try await fixture.waitFor(id, status: "sent")
            _ = try await call(.POST, "\(one)/send", "\(path)/send")
            _ = try await call(.POST, "\(one)/pause", "\(path)/pause")
            _ = try await call(.POST, "\(one)/cancel", "\(path)/cancel")
            _ = try await call(.GET, "\(one)/report", "\(path)/report")
            _ = try await call(.GET, "\(one)/report", "\(Self.base)/\(UUID())/report")
            _ = try await call(.DELETE, one, path)
            let draft = try await call(.POST, Self.base, Self.base, body)
            let draftID = try #require(draft.string("id"))
            _ = try await call(.POST, "\(one)/cancel", "\(Self.base)/\(draftID)/cancel")
            let another = try #require(try await call(.POST, Self.base, Self.base, body).string("id"))
            _ = try await call(.DELETE, one, "\(Self.base)/\(another)")

            let mail = try #require(try fixture.sink.messages().first { $0.rcptTos == ["a@example.com"] })
            let pixel = try #require(CampaignTests.links(in: mail.html ?? "", kind: "o").first)
            let click = try #require(CampaignTests.links(in: mail.html ?? "", kind: "c").first)
            // Without following the redirect: its target is the template's, not a server of the test's.
            let client = CampaignFixture.noRedirects
            for (template, url) in [
                ("/v1/communications/t/o/{token}", pixel), ("/v1/communications/t/o/{token}", pixel + "x"),
                ("/v1/communications/t/c/{token}", click), ("/v1/communications/t/c/{token}", "/v1/communications/t/c/nope"),
            ] {
                let response = try await client.execute(HTTPClientRequest(url: fixture.client.baseURL + url), timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                seen.append(("GET", template, Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))))
            }

            for (method, path, reply) in seen {
                let contentType = reply.headers.first(name: "Content-Type") ?? ""
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: reply.status, contentType: contentType, body: reply.text)
                #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)")
                if contentType.contains("json"),
                    let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: path, status: reply.status),
                    !reply.text.isEmpty
                {
                    let json = try JSONDecoder().decode(JSONValue.self, from: Data(reply.text.utf8))
                    let mismatches = OpenAPIConformance.schemaProblems(json, against: schema, in: document)
                    #expect(mismatches.isEmpty, "\(method) \(path) \(reply.status): \(mismatches)")
                }
            }
            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix(Self.base) || path.hasPrefix("/v1/communications/t/") {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") } }
                }
            }
            #expect(documented == Set(seen.map { "\($0.method) \($0.path)" }))
            for operation in documented {
                let replies = seen.filter { "\($0.method) \($0.path)" == operation }.map(\.reply.status)
                #expect(replies.contains { $0 < 400 } && replies.contains { $0 >= 400 }, "\(operation): \(replies)")
            }
        }
    }
}
