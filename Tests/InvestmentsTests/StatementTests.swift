import Crypto
import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Statements through the API: drafted from the ledger by staff, frozen when final with the
/// document's SHA-256, read by their investor only, and never changed once final.
@Suite struct StatementTests {
    static let q3 = #""type": "quarterly", "period_start": "2026-07-01", "period_end": "2026-09-30""#

    /// Two investors funded on 2026-07-15 ($100,000 and $200,000) and a completed $3,000 Q3
    /// distribution with 24% withheld from the first; returns the investors.
    static func fundedAndPaid(_ fixture: InvestmentsFixture, sponsor: String) async throws -> [(UUID, String)] {
        let (offering, investors) = try await DistributionTests.fundedOffering(
            fixture, sponsor: sponsor, amounts: ["100000", "200000"], fundedOn: "2026-07-15"
        )
        let first = investors[0].0.uuidString.lowercased()
        let created = try await fixture.post(
            "/v1/distributions",
            """
            {"offering_id": "\(offering)", "distribution_type": "quarterly", "distribution_date": "2026-09-30",
             "total_amount": "3000.00", "calculation_method": "pro_rata", "withholding_rates": {"\(first)": 0.24}}
            """,
            token: sponsor
        )
        try #require(created.status == 201, "\(created.text)")
        let completed = try await fixture.post("/v1/distributions/\(created.string("id")!)/complete", token: sponsor)
        try #require(completed.status == 200, "\(completed.text)")
        return investors
    }

    @Test func aQuarterlyStatementGoesFromDraftToFinalWithItsHash() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let sponsorID = UUID()
            let sponsor = try await fixture.token(.sponsor, user: sponsorID)
            let admin = try await fixture.token(.admin)
            let investors = try await Self.fundedAndPaid(fixture, sponsor: sponsor)
            let (investor, investorToken) = investors[0]
            // Names live in auth; the final document prints them (issue 20).
            try await fixture.account(investor, firstName: "Ada", lastName: "Lovelace")
            try await fixture.account(sponsorID, firstName: "Elm & Oak", lastName: "Partners")
            let body = #"{"investor_id": "\#(investor.uuidString.lowercased())", \#(Self.q3)}"#

            let drafted = try await fixture.investments.post("/v1/statements", body, token: admin)
            #expect(drafted.status == 201, "\(drafted.text)")
            #expect(drafted.string("status") == "draft")
            #expect(drafted["summary"]?["opening_capital"] == .string("0.00"))
            #expect(drafted["summary"]?["contributions"] == .string("100000.00"))
            #expect(drafted["summary"]?["distributions"] == .string("1000.00"))
            #expect(drafted["summary"]?["tax_withheld"] == .string("240.00"))
            #expect(drafted["summary"]?["net_cash_received"] == .string("760.00"))
            #expect(drafted["summary"]?["closing_capital"] == .string("100000.00"))
            #expect(drafted["holdings"]?[0]?["status"] == .string("funded"))
            #expect(drafted["holdings"]?[1] == nil)
            #expect(drafted["performance"]?["equity_multiple"] != nil)
            #expect(drafted["document_url"] == .null)
            let id = try #require(drafted.string("id"))
            #expect(drafted.headers.first(name: "Location") == "/v1/statements/\(id)")

            // The investor does not see staff's draft; drawing it up again refreshes the same one.
            #expect(try await fixture.investments.get("/v1/statements/\(id)", token: investorToken).status == 404)
            #expect(try await fixture.investments.get("/v1/statements", token: investorToken)["data"]?[0] == nil)
            let again = try await fixture.investments.post("/v1/statements", body, token: admin)
            #expect(again.status == 200)
            #expect(again.string("id") == id)
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.statements") == ["1"])
            #expect(try await fixture.investments.get("/v1/statements/\(id)/document", token: admin).status == 409)

            let final = try await fixture.investments.post("/v1/statements/\(id)/finalize", "{}", token: admin)
            #expect(final.status == 200, "\(final.text)")
            #expect(final.string("status") == "final")
            let hash = try #require(final.string("document_sha256"))
            #expect(final.string("document_url") == "/v1/statements/\(id)/document")

            // The investor reads the document; its bytes hash to what was stored; a current copy gets 304.
            let document = try await fixture.investments.get("/v1/statements/\(id)/document", token: investorToken)
            #expect(document.status == 200)
            #expect(document.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(document.headers.first(name: "ETag") == "\"\(hash)\"")
            let digest = SHA256.hash(data: Data(document.text.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(digest == hash)
            #expect(document.text.contains("Q3 2026"))
            #expect(document.text.contains("$760.00"))
            #expect(document.text.contains("Prepared for <strong>Ada Lovelace</strong>"), "the investor is named, not only numbered")
            #expect(document.text.contains("<td>Elm &amp; Oak Partners</td>"), "each property's sponsor is named")
            let cached = try await fixture.investments.send(
                .GET, "/v1/statements/\(id)/document", token: investorToken, headers: [("If-None-Match", "\"\(hash)\"")])
            #expect(cached.status == 304)
            #expect(try await fixture.investments.get("/v1/statements/\(id)", token: investorToken).string("viewed_at") != nil)
            #expect(try await fixture.investments.get("/v1/statements", token: investorToken)["data"]?[0]?["net_cash_received"] == .string("760.00"))

            // Final means final: no redraft, no second finalize, and another investor sees nothing.
            #expect(try await fixture.investments.post("/v1/statements", body, token: admin).status == 409)
            #expect(try await fixture.investments.post("/v1/statements/\(id)/finalize", "{}", token: admin).status == 409)
            let other = investors[1].1
            #expect(try await fixture.investments.get("/v1/statements/\(id)", token: other).status == 404)
            #expect(try await fixture.investments.get("/v1/statements/\(id)/document", token: other).status == 404)
            #expect(try await fixture.investments.get("/v1/statements", token: other)["data"]?[0] == nil)
        }
    }

    @Test func onlyStaffDrawUpStatementsAndPeriodsMustBeWholeAndOver() async throws {
        try await InvestmentsFixture.run { fixture in
            let admin = try await fixture.token(.admin)
            let investor = UUID()
            let investorToken = try await fixture.token(.investor, user: investor)
            let body = #"{"investor_id": "\#(investor.uuidString.lowercased())", \#(Self.q3)}"#
            #expect(try await fixture.investments.post("/v1/statements", body).status == 401)
            #expect(try await fixture.investments.post("/v1/statements", body, token: investorToken).status == 403)
            #expect(try await fixture.investments.post("/v1/statements", body, token: try await fixture.token(.sponsor)).status == 403)

            let partial = try await fixture.investments.post(
                "/v1/statements",
                #"{"investor_id": "\#(investor.uuidString.lowercased())", "type": "quarterly", "period_start": "2026-07-01", "period_end": "2026-08-31"}"#,
                token: admin
            )
            #expect(partial.status == 422)
            #expect(partial.text.contains("period_end"))
            let badType = try await fixture.investments.post(
                "/v1/statements",
                #"{"investor_id": "\#(investor.uuidString.lowercased())", "type": "weekly", "period_start": "2026-07-01", "period_end": "2026-07-07"}"#,
                token: admin
            )
            #expect(badType.status == 422)
            #expect(badType.text.contains("\"type\""))
            #expect(try await fixture.investments.post("/v1/statements", #"{"investor_id": "nope", \#(Self.q3)}"#, token: admin).status == 422)

            // Q4 2026 has not ended on the fixture's day (2026-11-24): it may be drafted, not made final.
            let q4 = try await fixture.investments.post(
                "/v1/statements",
                #"{"investor_id": "\#(investor.uuidString.lowercased())", "type": "quarterly", "period_start": "2026-10-01", "period_end": "2026-12-31"}"#,
                token: admin
            )
            #expect(q4.status == 201)
            let finalize = try await fixture.investments.post("/v1/statements/\(q4.string("id")!)/finalize", "{}", token: admin)
            #expect(finalize.status == 409)
            #expect(finalize.text.contains("2026-12-31"))
            #expect(try await fixture.investments.post("/v1/statements/\(q4.string("id")!)/finalize", "{}", token: investorToken).status == 403)
        }
    }

    @Test func aRunDraftsEveryInvestorAndSendingWaitsForAuth() async throws {
        try await InvestmentsFixture.run(withAuth: true) { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let admin = try await fixture.token(.admin)
            let investors = try await Self.fundedAndPaid(fixture, sponsor: sponsor)
            // Only staff start a run, and only for a whole period that is over.
            #expect(try await fixture.investments.post("/v1/statements/runs", "{\(Self.q3)}", token: investors[0].1).status == 403)
            #expect(try await fixture.investments.post("/v1/statements/runs", "{\(Self.q3)}", token: sponsor).status == 403)
            let partial = try await fixture.investments.post(
                "/v1/statements/runs", #"{"type": "quarterly", "period_start": "2026-07-02", "period_end": "2026-09-30"}"#, token: admin
            )
            #expect(partial.status == 422)
            #expect(partial.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(partial.text.contains("period_start"))
            let run = try await fixture.investments.post("/v1/statements/runs", "{\(Self.q3)}", token: admin)
            #expect(run.status == 200, "\(run.text)")
            #expect(run["drafted"] == .number(2))
            #expect(run["already_final"] == .number(0))
            let drafts = try await fixture.investments.get("/v1/statements?status=draft&type=quarterly", token: admin)
            #expect(drafts["data"]?[1] != nil && drafts["data"]?[2] == nil)
            let mine = try await fixture.investments.get("/v1/statements?investor_id=\(investors[1].0.uuidString.lowercased())", token: admin)
            #expect(mine["data"]?[0]?["closing_capital"] == .string("200000.00"))
            #expect(try await fixture.investments.get("/v1/statements?status=lost", token: admin).status == 422)

            // Sending needs a final statement, then the investor's address from auth, which has no
            // account for this investor: 409, and the statement stays final with nothing queued.
            // (Made final all the same: statements outlive accounts, and print "Former investor".)
            let id = try #require(mine["data"]?[0]?["id"].flatMap { if case .string(let s) = $0 { s } else { nil } })
            #expect(try await fixture.investments.post("/v1/statements/\(id)/send", "{}", token: admin).status == 409)
            #expect(try await fixture.investments.post("/v1/statements/\(id)/finalize", "{}", token: admin).status == 200)
            // The investor cannot send their own statement, nor can the sponsor.
            #expect(try await fixture.investments.post("/v1/statements/\(id)/send", "{}", token: investors[1].1).status == 403)
            #expect(try await fixture.investments.post("/v1/statements/\(id)/send", "{}", token: sponsor).status == 403)
            let send = try await fixture.investments.post("/v1/statements/\(id)/send", "{}", token: admin)
            #expect(send.status == 409, "\(send.text)")
            #expect(send.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.investments.get("/v1/statements/\(id)", token: admin).string("status") == "final")
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM investments.outbox WHERE event_type IN ('email.requested', 'statement.sent')") == [
                    "0"
                ])

            let again = try await fixture.investments.post("/v1/statements/runs", "{\(Self.q3)}", token: admin)
            #expect(again["drafted"] == .number(1))
            #expect(again["already_final"] == .number(1))
        }
    }

    /// The names a final statement prints come from auth: while auth does not answer, making it
    /// final is refused with 503 and it stays a draft to be made final later.
    @Test func makingAStatementFinalWaitsForAuthsNames() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let admin = try await fixture.token(.admin)
            let investors = try await Self.fundedAndPaid(fixture, sponsor: sponsor)
            let body = #"{"investor_id": "\#(investors[0].0.uuidString.lowercased())", \#(Self.q3)}"#
            let id = try #require(try await fixture.investments.post("/v1/statements", body, token: admin).string("id"))
            let final = try await fixture.investments.post("/v1/statements/\(id)/finalize", "{}", token: admin)
            #expect(final.status == 503, "\(final.text)")
            #expect(final.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(try await fixture.investments.get("/v1/statements/\(id)", token: admin).string("status") == "draft")
        }
    }

    /// Issue 11 #15: an admin's list with no filter had no condition and sent `WHERE ORDER BY` (500).
    @Test func anAdminListsEveryStatementWithoutAFilter() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let admin = try await fixture.token(.admin)
            _ = try await Self.fundedAndPaid(fixture, sponsor: sponsor)
            #expect(try await fixture.investments.post("/v1/statements/runs", "{\(Self.q3)}", token: admin).status == 200)
            let all = try await fixture.investments.get("/v1/statements", token: admin)
            #expect(all.status == 200, "\(all.text)")
            #expect(all["data"]?[1] != nil && all["data"]?[2] == nil)
            #expect(all["next_cursor"] == .null)
        }
    }
}
