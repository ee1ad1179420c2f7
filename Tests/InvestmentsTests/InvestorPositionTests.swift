import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import InvestmentsService

/// An investor's own OZ positions and their Form 8997 data (issue 21).
@Suite struct InvestorPositionTests {
    /// A QOF (set up by its sponsor) and one investor funded 2025-03-01 with $100,000.
    static func position(_ fixture: InvestmentsFixture) async throws -> (investment: String, investor: String, sponsor: String) {
        let sponsor = try await fixture.token(.sponsor)
        let offering = try await fixture.openOffering(sponsor: sponsor)
        try #require(
            try await fixture.investments.send(.PUT, "/v1/compliance/funds/\(offering)", json: ComplianceRouteTests.setup, token: sponsor).status
                == 200)
        let investor = try await fixture.token(.investor)
        let investment = try await fixture.commit("100000", in: offering, investor: investor)
        let funded = try await fixture.post("/v1/investments/\(investment)/fund", #"{"date": "2025-03-01"}"#, token: sponsor)
        try #require(funded.status == 200, "\(funded.text)")
        return (investment, investor, sponsor)
    }

    @Test func anInvestorSeesTheirPositionsDatesAndEntersTheirDeferredGain() async throws {
        try await InvestmentsFixture.run { fixture in
            let (investment, investor, sponsor) = try await Self.position(fixture)
            // TCJA text (invested before 2027): no 5-year step-up by 2026-12-31, the gain comes back
            // on 2026-12-31 (§1400Z-2(b)(1)), the 10-year date is 2035-03-01 (§1400Z-2(c)). Today is 2026-11-24.
            let list = try await fixture.investments.get("/v1/compliance/positions", token: investor)
            #expect(list.status == 200, "\(list.text)")
            guard case .array(let positions)? = list["data"], let position = positions.first else {
                Issue.record("no positions: \(list.text)")
                return
            }
            #expect(positions.count == 1)
            #expect(position["regime"] == .string("tcja_2017") && position["years_held"] == .number(1))
            #expect(position["next"]?["milestone"] == .string("inclusion") && position["next"]?["on"] == .string("2026-12-31"))
            #expect(position["ten_year_exclusion_date"] == .string("2035-03-01"))
            #expect(position["deferred_gain"] == nil)
            // Nobody else has positions here.
            #expect(try await fixture.investments.get("/v1/compliance/positions", token: sponsor)["data"] == .array([]))

            let path = "/v1/compliance/positions/\(investment)/deferred-gain"
            let put = { (body: String, token: String) in try await fixture.investments.send(.PUT, path, json: body, token: token) }
            // §1400Z-2(a)(1)(A): a gain of 2024-12-15 may be invested through 2025-06-12.
            let saved = try await put(#"{"gain_amount": "80000", "gain_date": "2024-12-15", "term": "long"}"#, investor)
            #expect(saved.status == 200, "\(saved.text)")
            #expect(saved.string("deferred_gain") == "80000.00" && saved.string("term") == "long")
            // A gain larger than the investment defers only the investment (§1400Z-2(e)(1)).
            let larger = try await put(#"{"gain_amount": "150000", "gain_date": "2024-12-15", "term": "short"}"#, investor)
            #expect(larger.string("deferred_gain") == "100000.00")

            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": "80000", "gain_date": "2024-08-01", "term": "medium"}"#, investor), 422,
                fields: ["term", "gain_date"])
            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": "80000", "gain_date": "2025-04-01", "term": "long"}"#, investor), 422, fields: ["gain_date"])
            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": "1e400", "gain_date": "2024-12-15", "term": "long"}"#, investor), 422, fields: ["gain_amount"])
            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": "0", "gain_date": "2024-12-15", "term": "long\u0000"}"#, investor), 422, fields: ["term"])
            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": 5, "gain_date": "2024-12-15", "term": "long"}"#, investor), 422, fields: ["gain_amount"])
            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": "80000", "gain_date": "2024-12-15", "term": "\#(String(repeating: "l", count: 10_000))"}"#, investor),
                422, fields: ["term"])
            // Someone else's position is not there for them.
            ComplianceRouteTests.expectProblem(
                try await put(#"{"gain_amount": "1", "gain_date": "2024-12-15", "term": "long"}"#, try await fixture.token(.investor)), 404)
            ComplianceRouteTests.expectProblem(try await put(#"{"gain_amount": "1", "gain_date": "2024-12-15", "term": "long"}"#, sponsor), 404)
            // Nothing was lost: the last good value stands.
            #expect(
                try await fixture.investments.get("/v1/compliance/positions", token: investor)["data"]?[0]?["gain_amount"] == .string("150000.00"))

            // Form 8997: acquired in 2025, held at 2025's end and 2026's start and end.
            let form2025 = try await fixture.investments.get("/v1/compliance/form-8997/2025", token: investor)
            #expect(form2025.status == 200, "\(form2025.text)")
            #expect(form2025["held_at_start"] == .array([]) && form2025["disposed"] == .array([]))
            #expect(form2025["acquired"]?[0]?["deferred_gain"] == .string("100000.00") && form2025["acquired"]?[0]?["date"] == .string("2025-03-01"))
            #expect(form2025["held_at_end"]?[0]?["inclusion_date"] == .string("2026-12-31"))
            #expect(form2025["missing_deferred_gain"] == .array([]))
            let form2026 = try await fixture.investments.get("/v1/compliance/form-8997/2026?format=csv", token: investor)
            #expect(form2026.headers.first(name: "Content-Type")?.hasPrefix("text/csv") == true)
            let rows = form2026.text.split(separator: "\r\n").map(String.init)
            #expect(rows.count == 3 && rows[1].hasPrefix("held_at_start,\(investment),") && rows[2].hasPrefix("held_at_end,"), "\(form2026.text)")
            #expect(rows[1].hasSuffix(",2025-03-01,100000.00,100000.00,2024-12-15,short,tcja_2017,2026-12-31"), "\(rows[1])")
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.get("/v1/compliance/form-8997/1999", token: investor), 422, fields: ["year"])
            ComplianceRouteTests.expectProblem(
                try await fixture.investments.get("/v1/compliance/form-8997/2025?format=pdf", token: investor), 422, fields: ["format"])
            // Another investor's form is their own: empty.
            let other = try await fixture.investments.get("/v1/compliance/form-8997/2025", token: try await fixture.token(.investor))
            #expect(other["acquired"] == .array([]) && other["held_at_end"] == .array([]))
            ComplianceRouteTests.expectProblem(try await fixture.investments.get("/v1/compliance/form-8997/2025"), 401)
        }
    }

    /// Form 8997's sections from the ledger's dates (pure): held at the start, acquired, disposed of
    /// and held at the end of a calendar year.
    @Test func theFormSortsPositionsByTheYear() {
        let fund = UUID()
        func position(_ funded: String, exited: String?, gain: String?) -> OZPosition {
            OZPosition(
                investmentId: UUID(), offeringId: fund, offeringName: "Magnolia Court", amount: usd("100000"), fundedOn: day(funded),
                exitedOn: exited.map(day), gain: gain.map { (amount: usd($0), date: day(funded).adding(days: -30), term: "long") })
        }
        let old = position("2024-05-01", exited: nil, gain: "60000")
        let sold = position("2024-06-01", exited: "2025-08-01", gain: "70000")
        let new = position("2025-02-01", exited: nil, gain: nil)
        let later = position("2026-02-01", exited: nil, gain: "10")
        let form = Form8997.build([old, sold, new, later], year: 2025)
        #expect(form.heldAtStart.map(\.investmentId) == [old.investmentId, sold.investmentId])
        #expect(form.acquired.map(\.investmentId) == [new.investmentId])
        #expect(form.disposed.map(\.investmentId) == [sold.investmentId] && form.disposed.first?.date == day("2025-08-01"))
        #expect(form.disposed.first?.inclusionDate == day("2025-08-01"), "§1400Z-2(b)(1)(A): a sale before 2026-12-31 includes the gain then")
        #expect(form.heldAtEnd.map(\.investmentId) == [old.investmentId, new.investmentId])
        #expect(form.missingDeferredGain == [new.investmentId])
        #expect(form.heldAtStart.first?.deferredGain == usd("60000"))
    }
}
