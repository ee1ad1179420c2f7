import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Property financials over HTTP against Postgres: who may do what, the issue's figures end to end,
/// bodies refused field by field with nothing written, and the lists.
@Suite struct FinancialsTests {
    /// The issue's year: income and expenses whose NOI is 650,000 with 480,000 of debt service.
    static let year = #""period_start": "2025-01-01", "period_end": "2025-12-31""#
    static let income =
        #"{\#(year), "gross_rental_income": "1000000", "vacancy_loss": "50000", "concessions": "10000", "bad_debt": "5000", "parking_income": "12000", "laundry_income": "3000", "pet_income": "2000", "application_fees": "1000", "late_fees": "500", "other_income": "1500"}"#
    static let expenses =
        #"{\#(year), "property_management": "40000", "maintenance_repairs": "60000", "utilities": "30000", "insurance": "25000", "property_taxes": "100000", "payroll": "35000", "advertising": "5000", "legal_professional": "6000", "landscaping": "4000", "capital_improvements": "250000", "mortgage_principal": "180000", "mortgage_interest": "300000"}"#
    static let performance = #"{\#(year), "property_value": "10000000", "equity": "3500000", "units_total": 24, "units_occupied": 22}"#
    static let rentRow =
        #"{"as_of_date": "2025-12-31", "unit_id": "\#(UUID())", "unit_number": "101", "tenant_name": "A. Tenant", "lease_start": "2025-01-01", "lease_end": "2025-12-31", "monthly_rent": "1450.00", "security_deposit": "1450", "current_balance": "-25.00", "days_delinquent": 0}"#

    /// A sponsor's property with an open offering, an investor holding a committed position in it,
    /// and the path of its financials.
    struct Holding {
        var sponsor: String
        var investor: String
        var property: String
        var base: String { "/v1/financials/properties/\(self.property)" }
    }

    static func holding(_ fixture: InvestmentsFixture) async throws -> Holding {
        let sponsor = try await fixture.token(.sponsor)
        let property = try await fixture.listProperty(sponsor: sponsor)
        let offering = try await fixture.investments.post(
            "/v1/offerings", #"{"property_id": "\#(property)", "requires_accreditation": false}"#, token: sponsor
        )
        try #require(offering.status == 201, "offering failed: \(offering.text)")
        let investor = try await fixture.token(.investor)
        _ = try await fixture.commit("50000", in: try #require(offering.string("id")), investor: investor)
        return Holding(sponsor: sponsor, investor: investor, property: property)
    }

    static func fields(_ reply: JSONClient.Reply) -> [String] {
        guard case .array(let errors)? = reply["errors"] else { return [] }
        return errors.compactMap { if case .string(let field)? = $0["field"] { field } else { nil } }
    }

    @Test func theIssuesFiguresEndToEnd() async throws {
        try await InvestmentsFixture.run { fixture in
            let holding = try await Self.holding(fixture)
            let income = try await fixture.investments.post("\(holding.base)/income", Self.income, token: holding.sponsor)
            #expect(income.status == 201, "\(income.text)")
            #expect(income.string("effective_rental_income") == "935000.00")
            #expect(income.string("total_income") == "955000.00")
            #expect(income.string("vacancy_loss") == "50000.00")
            let incomeID = try #require(income.string("id"))
            #expect(income.headers.first(name: "Location") == "\(holding.base)/income/\(incomeID)")
            let expenses = try await fixture.investments.post("\(holding.base)/expenses", Self.expenses, token: holding.sponsor)
            #expect(expenses.status == 201, "\(expenses.text)")
            #expect(expenses.string("total_operating_expenses") == "305000.00")
            #expect(expenses.string("total_expenses") == "1035000.00")

            let created = try await fixture.investments.post("\(holding.base)/performance", Self.performance, token: holding.sponsor)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.string("id"))
            // The investor reads what the sponsor published: the ratios with their inputs.
            let read = try await fixture.investments.get("\(holding.base)/performance/\(id)", token: holding.investor)
            #expect(read.status == 200)
            #expect(read.string("property_id") == holding.property)
            #expect(read.string("period_type") == "annual")
            #expect(read.string("effective_gross_income") == "955000.00")
            #expect(read.string("operating_expenses") == "305000.00")
            #expect(read.string("debt_service") == "480000.00")
            #expect(read.string("noi") == "650000.00")
            #expect(read.string("property_value") == "10000000.00")
            #expect(read.string("equity") == "3500000.00")
            #expect(read["cap_rate"] == .number(0.065))
            #expect(read["debt_service_coverage"] == .number(1.354167))
            #expect(read["cash_on_cash_return"] == .number(0.048571))
            #expect(read["occupancy_rate"] == .number(0.916667))
            #expect(read["collection_rate"] == .null)
            #expect(read["unavailable"] == ["collection_rate": "needs rent_collected and this period's income"])
            // Issue 11, item 25: built in SQL, yet the suite's one format (UTC, Z, microseconds).
            #expect(
                read.string("created_at")?.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z/) != nil, "\(read.text)")
            // The exact decimals, not a float's approximation of them.
            #expect(read.text.contains(#""cap_rate":0.065,"#))
            #expect(read.text.contains(#""debt_service_coverage":1.354167,"#))
            #expect(read.text.contains(#""cash_on_cash_return":0.048571,"#))

            // A corrected expense corrects the ratios at once: nothing derived is stored.
            let expensesID = try #require(expenses.string("id"))
            let patched = try await fixture.investments.send(
                .PATCH, "\(holding.base)/expenses/\(expensesID)", json: #"{"mortgage_principal": "0", "mortgage_interest": null}"#,
                token: holding.sponsor
            )
            #expect(patched.status == 200, "\(patched.text)")
            #expect(patched.string("total_expenses") == "555000.00")
            #expect(patched.string("property_taxes") == "100000.00")
            let unlevered = try await fixture.investments.get("\(holding.base)/performance/\(id)", token: holding.investor)
            #expect(unlevered["debt_service_coverage"] == .null)
            #expect(
                unlevered["unavailable"]?["debt_service_coverage"]
                    == .string("no debt service in this period (mortgage_principal + mortgage_interest is 0)"))
            #expect(unlevered["cash_on_cash_return"] == .number(0.185714))
            let listed = try await fixture.investments.get("\(holding.base)/performance", token: holding.investor)
            #expect(listed["data"]?[0]?["id"] == .string(id))
            #expect(listed["next_cursor"] == .null)

            // Without its expenses the period has no NOI, and says so.
            let deleted = try await fixture.investments.send(.DELETE, "\(holding.base)/expenses/\(expensesID)", token: holding.sponsor)
            #expect(deleted.status == 204)
            #expect(try await fixture.investments.get("\(holding.base)/expenses/\(expensesID)", token: holding.sponsor).status == 404)
            let bare = try await fixture.investments.get("\(holding.base)/performance/\(id)", token: holding.sponsor)
            #expect(bare["noi"] == .null)
            #expect(bare["unavailable"]?["noi"] == .string("needs this period's expenses"))
        }
    }

    /// Anonymous 401; another investor and another sponsor 404 (they may not know the property has
    /// financials); the investor with a position reads performance only (403 for the rest); the
    /// owning sponsor and admins do everything.
    @Test func whoMayDoWhat() async throws {
        try await InvestmentsFixture.run { fixture in
            let holding = try await Self.holding(fixture)
            let admin = try await fixture.token(.admin)
            let otherInvestor = try await fixture.token(.investor)
            let otherSponsor = try await fixture.token(.sponsor)
            let base = holding.base
            let income = try await fixture.investments.post("\(base)/income", Self.income, token: holding.sponsor)
            let incomeID = try #require(income.string("id"))
            let performance = try await fixture.investments.post("\(base)/performance", Self.performance, token: admin)
            #expect(performance.status == 201)
            let performanceID = try #require(performance.string("id"))
            let row = try await fixture.investments.post("\(base)/rent-roll", Self.rentRow, token: holding.sponsor)
            #expect(row.status == 201, "\(row.text)")
            let rowID = try #require(row.string("id"))

            func status(_ method: HTTPMethod, _ path: String, _ token: String?, json: String? = nil) async throws -> Int {
                try await fixture.investments.send(method, base + path, json: json, token: token).status
            }
            let reads = [
                "/performance", "/performance/\(performanceID)", "/income", "/income/\(incomeID)", "/expenses", "/rent-roll", "/rent-roll/\(rowID)",
            ]
            let writes: [(HTTPMethod, String, String?)] = [
                (.POST, "/expenses", Self.expenses), (.PATCH, "/income/\(incomeID)", #"{"late_fees": "600"}"#),
                (.PATCH, "/performance/\(performanceID)", #"{"units_occupied": 23}"#), (.DELETE, "/rent-roll/\(rowID)", nil),
            ]
            for path in reads {
                #expect(try await status(.GET, path, nil) == 401, "anonymous GET \(path)")
                #expect(try await status(.GET, path, otherInvestor) == 404, "other investor GET \(path)")
                #expect(try await status(.GET, path, otherSponsor) == 404, "other sponsor GET \(path)")
                let investorStatus = try await status(.GET, path, holding.investor)
                #expect(investorStatus == (path.hasPrefix("/performance") ? 200 : 403), "investor GET \(path)")
                #expect(try await status(.GET, path, holding.sponsor) == 200, "sponsor GET \(path)")
                #expect(try await status(.GET, path, admin) == 200, "admin GET \(path)")
            }
            for (method, path, json) in writes {
                #expect(try await status(method, path, nil, json: json) == 401, "anonymous \(method) \(path)")
                #expect(try await status(method, path, otherInvestor, json: json) == 404, "other investor \(method) \(path)")
                #expect(try await status(method, path, otherSponsor, json: json) == 404, "other sponsor \(method) \(path)")
                #expect(try await status(method, path, holding.investor, json: json) == 403, "investor \(method) \(path)")
            }
            // Nothing the refused callers sent was written.
            #expect(try await fixture.sql("SELECT count(*)::text FROM financials.property_expenses") == ["0"])
            #expect(try await fixture.sql("SELECT late_fees::text FROM financials.property_income") == ["500.00"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM financials.rent_roll") == ["1"])
            let investorRefusal = try await fixture.investments.get("\(base)/rent-roll", token: holding.investor)
            #expect(investorRefusal.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)

            #expect(try await status(.POST, "/expenses", holding.sponsor, json: Self.expenses) == 201)
            #expect(try await status(.PATCH, "/income/\(incomeID)", admin, json: #"{"late_fees": "600"}"#) == 200)
            #expect(try await status(.PATCH, "/performance/\(performanceID)", holding.sponsor, json: #"{"units_occupied": 23}"#) == 200)
            #expect(try await status(.DELETE, "/rent-roll/\(rowID)", admin) == 204)
            #expect(try await fixture.sql("SELECT late_fees::text FROM financials.property_income") == ["600.00"])

            // Another property's record through this property's path is not there.
            let otherProperty = try await fixture.listProperty(sponsor: holding.sponsor, name: "The Oak Lofts")
            #expect(
                try await fixture.investments.get("/v1/financials/properties/\(otherProperty)/income/\(incomeID)", token: holding.sponsor).status
                    == 404)
            // A property nobody listed, and a path id that is not one.
            #expect(try await fixture.investments.post("/v1/financials/properties/\(UUID())/income", Self.income, token: admin).status == 404)
            #expect(try await fixture.investments.get("/v1/financials/properties/nope/income", token: admin).status == 404)
        }
    }

    /// The first write for a property whose `property.*` events have not arrived asks `properties`
    /// for it, as opening an offering does.
    @Test func theFirstWriteFindsAPropertyInvestmentsHasNotHeardOf() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsorID = UUID()
            let sponsor = try await fixture.token(.sponsor, user: sponsorID)
            let property = try await fixture.listProperty(sponsor: sponsor)
            // Whether or not the event got here first, the copy must not be what makes this work.
            try await fixture.sql("DELETE FROM investments.property_copies WHERE property_id = '\(property)'")
            let created = try await fixture.investments.post("/v1/financials/properties/\(property)/income", Self.income, token: sponsor)
            #expect(created.status == 201, "\(created.text)")
            #expect(
                try await fixture.sql("SELECT sponsor_id::text FROM investments.property_copies WHERE property_id = '\(property)'")
                    == [sponsorID.uuidString.lowercased()]
            )
        }
    }

    @Test func badBodiesAreRefusedFieldByFieldAndNothingIsWritten() async throws {
        try await InvestmentsFixture.run { fixture in
            let holding = try await Self.holding(fixture)
            let base = holding.base
            func post(_ path: String, _ json: String) async throws -> JSONClient.Reply {
                try await fixture.investments.post(base + path, json, token: holding.sponsor)
            }
            let income = try await post(
                "/income",
                #"{"period_start": "2025-02-30", "period_end": "2025-01-31", "gross_rental_income": 1000, "vacancy_loss": "-5", "parking_incom": "1", "total_income": "5", "late_fees": "1.234"}"#
            )
            #expect(income.status == 422)
            #expect(income.headers.first(name: "Content-Type")?.hasPrefix("application/problem+json") == true)
            #expect(
                Set(Self.fields(income)) == ["period_start", "gross_rental_income", "vacancy_loss", "parking_incom", "total_income", "late_fees"])
            #expect(income.text.contains(#"{"field":"total_income","message":"is computed by the server; leave it out"}"#))

            let backwards = try await post("/income", #"{"period_start": "2025-02-01", "period_end": "2025-01-31", "gross_rental_income": "1"}"#)
            #expect(Self.fields(backwards) == ["period_end"])
            let tooLong = try await post("/expenses", #"{"period_start": "2025-01-01", "period_end": "2026-01-01"}"#)
            #expect(Self.fields(tooLong) == ["period_end"])
            #expect(tooLong["errors"]?[0]?["message"] == .string("must be before 2026-01-01: a period is at most a year"))
            let missing = try await post("/income", "{}")
            #expect(Set(Self.fields(missing)) == ["period_start", "period_end", "gross_rental_income"])
            let deductions = try await post("/income", #"{\#(Self.year), "gross_rental_income": "100", "vacancy_loss": "60", "concessions": "50"}"#)
            #expect(Self.fields(deductions) == ["gross_rental_income"])
            let overflow = try await post(
                "/expenses", #"{\#(Self.year), "utilities": "9999999999999.99", "insurance": "9999999999999.99"}"#
            )
            #expect(Self.fields(overflow) == ["total_expenses"])
            let notAnObject = try await post("/expenses", "[1]")
            #expect(Self.fields(notAnObject) == ["body"])
            let malformed = try await post("/expenses", "{")
            #expect(malformed.status == 400)

            let performance = try await post(
                "/performance",
                #"{\#(Self.year), "property_value": "0", "equity": "-1", "units_total": 10, "units_occupied": 11, "rent_collected": "x", "cap_rate": 0.1}"#
            )
            #expect(Set(Self.fields(performance)) == ["property_value", "equity", "units_occupied", "rent_collected", "cap_rate"])
            let occupiedAlone = try await post("/performance", #"{\#(Self.year), "units_occupied": 3, "units_total": 2.5}"#)
            #expect(Set(Self.fields(occupiedAlone)) == ["units_total", "units_occupied"])

            // A NUL is refused by the kit before any field is read (issue 11, item 13), naming it alone.
            let withNUL = try await post(
                "/rent-roll",
                #"{"as_of_date": "2025-12-31", "unit_id": "x", "unit_number": "", "tenant_name": "A\u0000B", "lease_start": "2025-06-01", "lease_end": "2025-05-31", "days_delinquent": -1, "monthly_rent": "-1"}"#
            )
            #expect(Self.fields(withNUL) == ["tenant_name"])
            let row = try await post(
                "/rent-roll",
                #"{"as_of_date": "2025-12-31", "unit_id": "x", "unit_number": "", "tenant_name": "AB", "lease_start": "2025-06-01", "lease_end": "2025-05-31", "days_delinquent": -1, "monthly_rent": "-1"}"#
            )
            #expect(Set(Self.fields(row)) == ["unit_id", "unit_number", "lease_end", "days_delinquent", "monthly_rent"])

            for table in ["property_income", "property_expenses", "property_performance", "rent_roll"] {
                #expect(try await fixture.sql("SELECT count(*)::text FROM financials.\(table)") == ["0"], "\(table)")
            }

            // One record per period; a PATCH onto another's period is the same conflict.
            #expect(try await post("/income", Self.income).status == 201)
            let again = try await post("/income", Self.income)
            #expect(again.status == 409)
            let q1 = try await post("/income", #"{"period_start": "2026-01-01", "period_end": "2026-03-31", "gross_rental_income": "250000"}"#)
            let q1ID = try #require(q1.string("id"))
            let moved = try await fixture.investments.send(
                .PATCH, "\(base)/income/\(q1ID)", json: #"{"period_start": "2025-01-01", "period_end": "2025-12-31"}"#, token: holding.sponsor
            )
            #expect(moved.status == 409)
            let badPatch = try await fixture.investments.send(
                .PATCH, "\(base)/income/\(q1ID)", json: #"{"gross_rental_income": null, "total_income": "1"}"#, token: holding.sponsor
            )
            #expect(Set(Self.fields(badPatch)) == ["gross_rental_income", "total_income"])
            #expect(
                try await fixture.sql("SELECT gross_rental_income::text FROM financials.property_income ORDER BY period_start") == [
                    "1000000.00", "250000.00",
                ])
        }
    }

    @Test func listsPageNewestFirst() async throws {
        try await InvestmentsFixture.run { fixture in
            let holding = try await Self.holding(fixture)
            let base = holding.base
            for month in 1...5 {
                let end = CalendarDate.daysIn(month: month, year: 2025)
                let body = #"{"period_start": "2025-0\#(month)-01", "period_end": "2025-0\#(month)-\#(end)", "utilities": "\#(month)00"}"#
                #expect(try await fixture.investments.post("\(base)/expenses", body, token: holding.sponsor).status == 201)
            }
            var starts: [String] = []
            var path = "\(base)/expenses?limit=2"
            while true {
                let page = try await fixture.investments.get(path, token: holding.sponsor)
                try #require(page.status == 200, "\(page.text)")
                guard case .array(let items)? = page["data"] else { break }
                #expect(items.count <= 2)
                starts += items.compactMap { if case .string(let start)? = $0["period_start"] { start } else { nil } }
                guard case .string(let cursor)? = page["next_cursor"] else { break }
                path = "\(base)/expenses?limit=2&cursor=\(cursor)"
            }
            #expect(starts == ["2025-05-01", "2025-04-01", "2025-03-01", "2025-02-01", "2025-01-01"])
            #expect(Self.fields(try await fixture.investments.get("\(base)/expenses?limit=500", token: holding.sponsor)) == ["limit"])
            #expect(Self.fields(try await fixture.investments.get("\(base)/expenses?cursor=abc", token: holding.sponsor)) == ["cursor"])

            // The rent roll: newest date first, then unit number; `as_of_date` gives one date's roll.
            for (date, unit) in [("2025-11-30", "102"), ("2025-12-31", "102"), ("2025-12-31", "101"), ("2025-11-30", "101")] {
                let body = #"{"as_of_date": "\#(date)", "unit_id": "\#(UUID())", "unit_number": "\#(unit)", "monthly_rent": "1200"}"#
                #expect(try await fixture.investments.post("\(base)/rent-roll", body, token: holding.sponsor).status == 201)
            }
            var rows: [String] = []
            path = "\(base)/rent-roll?limit=3"
            while true {
                let page = try await fixture.investments.get(path, token: holding.sponsor)
                guard case .array(let items)? = page["data"] else { break }
                rows += items.compactMap { item -> String? in
                    guard case .string(let date)? = item["as_of_date"], case .string(let unit)? = item["unit_number"] else { return nil }
                    return "\(date) \(unit)"
                }
                guard case .string(let cursor)? = page["next_cursor"] else { break }
                path = "\(base)/rent-roll?limit=3&cursor=\(cursor)"
            }
            #expect(rows == ["2025-12-31 101", "2025-12-31 102", "2025-11-30 101", "2025-11-30 102"])
            let december = try await fixture.investments.get("\(base)/rent-roll?as_of_date=2025-12-31", token: holding.sponsor)
            #expect(december["data"]?[1]?["unit_number"] == .string("102"))
            #expect(december["data"]?[2] == nil)
            #expect(december["data"]?[0]?["tenant_name"] == .null)
            #expect(december["data"]?[0]?["current_balance"] == .string("0.00"))
            #expect(
                Self.fields(try await fixture.investments.get("\(base)/rent-roll?as_of_date=12/31/2025", token: holding.sponsor)) == ["as_of_date"])
            let duplicate = #"{"as_of_date": "2025-12-31", "unit_id": "\#(UUID())", "unit_number": "101"}"#
            #expect(try await fixture.investments.post("\(base)/rent-roll", duplicate, token: holding.sponsor).status == 409)
        }
    }
}
