import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import CommunicationsService

/// A campaign from draft to sent against the real sink: every recipient mailed once, suppressed
/// and unsubscribed ones not at all, each mail personalised with its List-Unsubscribe headers and
/// tracked links; opens and clicks counted once per recipient, a tampered link refused.
@Suite struct CampaignTests {
    @Test func aCampaignReachesItsListOnceEachAndSkipsSuppressedAndUnsubscribed() async throws {
        try await CampaignFixture.run { fixture in
            let campaign = try await fixture.createCampaign()
            let recipients = CampaignFixture.recipients(12)
            try await fixture.upload(campaign, recipients)
            // Uploading the same addresses again adds nobody.
            try await fixture.upload(campaign, Array(recipients.prefix(3)))
            let got = try await fixture.client.get("/v1/communications/campaigns/\(campaign)", token: fixture.staff)
            #expect(got.int("list_size") == 12)

            // r0 bounced hard before; r1 turned marketing mail off in their preferences.
            _ = try await fixture.sql(
                "INSERT INTO communications.email_suppressions (email, reason, source, created_at) VALUES ('r0@example.com', 'hard_bounce', 'test', now())"
            )
            let r1 = try await fixture.investorToken(recipients[1].user)
            let off = try await fixture.client.send(
                .PATCH, "/v1/communications/preferences", json: #"{"categories":{"marketing":{"email":false}}}"#, token: r1)
            #expect(off.status == 200, "\(off.text)")

            let sent = try await fixture.client.post("/v1/communications/campaigns/\(campaign)/send", "", token: fixture.staff)
            #expect(sent.status == 200, "\(sent.text)")
            #expect(sent.string("status") == "sending")
            try await fixture.waitFor(campaign, status: "sent")

            let mails = try fixture.sink.messages()
            #expect(mails.count == 10)
            // The domain counter operators watch (deploy/monitoring) saw them.
            #expect(try await fixture.client.get("/metrics").text.contains(#"tract_emails_sent_total{kind="campaign"}"#))
            let byRecipient = Dictionary(grouping: mails, by: { $0.rcptTos.first ?? "" })
            #expect(Set(byRecipient.keys) == Set(recipients.dropFirst(2).map(\.email)))
            #expect(byRecipient.values.allSatisfy { $0.count == 1 })
            let mail = try #require(byRecipient["r5@example.com"]?.first)
            #expect(mail.subject == "News for Reader 5 & friends")
            #expect(mail.from == "Tract <news@tract.example>")
            #expect(mail.text?.hasPrefix("Hello Reader 5,\n") == true)
            #expect(mail.headers["list-unsubscribe-post"] == "List-Unsubscribe=One-Click")
            #expect(mail.headers["list-unsubscribe"]?.hasPrefix("<\(CampaignFixture.publicURL)/v1/communications/unsubscribe/") == true)
            #expect(mail.messageId.hasPrefix("<campaign-"))
            let html = try #require(mail.html)
            // Literal links go through the click redirect; the unsubscribe link stays direct.
            #expect(!html.contains("https://tract.example/offerings"))
            #expect(Self.links(in: html, kind: "c").count == 2)
            #expect(Self.links(in: html, kind: "o").count == 1)
            #expect(html.contains("\(CampaignFixture.publicURL)/v1/communications/unsubscribe/"))

            let report = try await fixture.report(campaign)
            #expect(report.int("recipients") == 12)
            #expect(report.int("sent") == 10)
            #expect(report.int("skipped") == 2)
            #expect(report.int("pending") == 0)
            #expect(report.int("failed") == 0)
            let reasons = try await fixture.sql(
                "SELECT to_email || ': ' || error_message FROM communications.email_sends WHERE status = 'skipped' ORDER BY to_email")
            #expect(reasons == ["r0@example.com: address suppressed", "r1@example.com: marketing email turned off"])
        }
    }

    @Test func opensAndClicksCountOncePerRecipientAndATamperedLinkIsRefused() async throws {
        try await CampaignFixture.run { fixture in
            let campaign = try await fixture.createCampaign()
            let recipients = CampaignFixture.recipients(2)
            try await fixture.upload(campaign, recipients)
            _ = try await fixture.client.post("/v1/communications/campaigns/\(campaign)/send", "", token: fixture.staff)
            try await fixture.waitFor(campaign, status: "sent")
            let mail = try #require(try fixture.sink.messages().first { $0.rcptTos == ["r0@example.com"] })
            let html = try #require(mail.html)
            let pixel = try #require(Self.links(in: html, kind: "o").first)
            let clicks = Self.links(in: html, kind: "c")
            #expect(clicks.count == 2)

            let client = CampaignFixture.noRedirects
            func get(_ path: String) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
                let response = try await client.execute(HTTPClientRequest(url: fixture.client.baseURL + path), timeout: .seconds(10))
                let body = try await response.body.collect(upTo: 1 << 20)
                return (Int(response.status.code), response.headers, String(buffer: body))
            }

            // Two opens: one recipient opened, two opens.
            for _ in 0..<2 {
                let opened = try await get(pixel)
                #expect(opened.status == 200)
                #expect(opened.headers.first(name: "Content-Type") == "image/gif")
                #expect(opened.headers.first(name: "Cache-Control")?.contains("no-store") == true)
                #expect(opened.headers.first(name: "Content-Length") == "43")
            }
            // The first link goes where the template said, &amp; undone; clicked twice, counted once.
            for _ in 0..<2 {
                let clicked = try await get(clicks[0])
                #expect(clicked.status == 302)
                #expect(clicked.headers.first(name: "Location") == "https://tract.example/offerings/riverside?utm_source=mail&x=1")
            }
            #expect(try await get(clicks[1]).headers.first(name: "Location") == "https://tract.example/blog")

            // Tampering: another character in the token, a query string asking for elsewhere, the
            // pixel's token used as a click, an unknown token.
            var tampered = Array(clicks[0])
            let index = tampered.count - 3
            tampered[index] = tampered[index] == "A" ? "B" : "A"
            for path in [
                String(tampered), clicks[0] + "?url=https://evil.example", pixel.replacingOccurrences(of: "/t/o/", with: "/t/c/"),
                "/v1/communications/t/c/AAAA.BBBB",
            ] {
                let refused = try await get(path)
                if path.contains("?url=") {
                    // The query is ignored: still the campaign's own link.
                    #expect(refused.headers.first(name: "Location") == "https://tract.example/offerings/riverside?utm_source=mail&x=1")
                    continue
                }
                #expect(refused.status == 404, "\(path)")
                #expect(refused.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(refused.headers.first(name: "Location") == nil)
            }

            let report = try await fixture.report(campaign)
            #expect(report.int("opened") == 1)
            #expect(report.int("opens") == 2)
            #expect(report.int("clicked") == 1)
            #expect(report.int("clicks") == 4)
            #expect(report.int("unsubscribed") == 0)

            // A one-click unsubscribe from the mail's header turns marketing off and shows in the report.
            let header = try #require(mail.headers["list-unsubscribe"])
            let unsubscribe = String(header.dropFirst(CampaignFixture.publicURL.count + 1).dropLast())
            let posted = try await fixture.client.postForm(unsubscribe, "List-Unsubscribe=One-Click")
            #expect(posted.status == 200, "\(posted.text)")
            #expect(posted.text == #"{"unsubscribed":true,"categories":["marketing"]}"#)
            #expect(try await fixture.report(campaign).int("unsubscribed") == 1)
        }
    }

    @Test func pauseHoldsTheRestAndResumeFinishesAndAScheduleStartsOnTime() async throws {
        var slow = CampaignFixture.fast
        slow.messagesPerSecond = 20
        slow.senders = 1
        try await CampaignFixture.run(campaigns: slow) { fixture in
            let campaign = try await fixture.createCampaign()
            try await fixture.upload(campaign, CampaignFixture.recipients(30))
            _ = try await fixture.client.post("/v1/communications/campaigns/\(campaign)/send", "", token: fixture.staff)
            _ = try await eventually(timeout: .seconds(10)) { (try? fixture.sink.messages().count) ?? 0 >= 3 }
            let paused = try await fixture.client.post("/v1/communications/campaigns/\(campaign)/pause", "", token: fixture.staff)
            #expect(paused.string("status") == "paused")
            try await Task.sleep(for: .milliseconds(300))
            let during = try fixture.sink.messages().count
            try await Task.sleep(for: .milliseconds(500))
            #expect(try fixture.sink.messages().count == during, "nothing goes out while paused")
            #expect(during < 30)
            let resumed = try await fixture.client.post("/v1/communications/campaigns/\(campaign)/resume", "", token: fixture.staff)
            #expect(resumed.string("status") == "sending")
            try await fixture.waitFor(campaign, status: "sent")
            #expect(try fixture.sink.messages().count == 30)
            #expect(Set(try fixture.sink.messages().compactMap(\.rcptTos.first)).count == 30)

            // Scheduled a few seconds ahead (whole seconds on the wire, and a loaded CI machine
            // can take a second to carry the request): nothing before, everything after.
            let later = try await fixture.createCampaign(name: "Later")
            try await fixture.upload(later, CampaignFixture.recipients(2, prefix: "later"))
            let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(5))
            let scheduled = try await fixture.client.post(
                "/v1/communications/campaigns/\(later)/schedule", #"{"at":"\#(at)"}"#, token: fixture.staff)
            #expect(scheduled.string("status") == "scheduled", "\(scheduled.text)")
            #expect(try fixture.sink.messages().filter { $0.rcptTos.first?.hasPrefix("later") == true }.isEmpty)
            try await fixture.waitFor(later, status: "sent")
            #expect(try fixture.sink.messages().filter { $0.rcptTos.first?.hasPrefix("later") == true }.count == 2)

            // A cancelled campaign mails nobody more; its waiting recipients show as skipped.
            let cancelled = try await fixture.createCampaign(name: "Cancelled")
            try await fixture.upload(cancelled, CampaignFixture.recipients(3, prefix: "never"))
            let at2 = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
            _ = try await fixture.client.post("/v1/communications/campaigns/\(cancelled)/schedule", #"{"at":"\#(at2)"}"#, token: fixture.staff)
            let gone = try await fixture.client.post("/v1/communications/campaigns/\(cancelled)/cancel", "", token: fixture.staff)
            #expect(gone.string("status") == "cancelled")
            #expect(try await fixture.client.post("/v1/communications/campaigns/\(cancelled)/send", "", token: fixture.staff).status == 409)
        }
    }

    /// The tracking links (`kind` o or c) in a mail's HTML, as paths.
    static func links(in html: String, kind: String) -> [String] {
        let marker = "\(CampaignFixture.publicURL)/v1/communications/t/\(kind)/"
        var found: [String] = []
        var rest = html[...]
        while let range = rest.range(of: marker) {
            let token = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
            found.append("/v1/communications/t/\(kind)/\(token)")
            rest = rest[range.upperBound...]
        }
        return found
    }
}
