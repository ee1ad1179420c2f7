import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import InvestmentsService

/// Offerings and the investment lifecycle as investors and sponsors live them: terms from the
/// listing, the target never oversubscribed, retries that create nothing twice, and who may do what.
@Suite struct InvestingTests {
    @Test func bootsMigratesAndServesItsOperationsRoutes() async throws {
        try await ServiceBootCheck.run(.investments) { configuration in try await InvestmentsService.buildApplication(configuration) }
    }

    @Test func anOfferingTakesItsTermsFromTheListingAndFollowsIt() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsorID = UUID()
            let sponsor = try await fixture.token(.sponsor, user: sponsorID)
            let property = try await fixture.listProperty(sponsor: sponsor)
            // Only the property's own sponsor (or an admin) opens an offering on it.
            let stranger = try await fixture.investments.post(
                "/v1/offerings", #"{"property_id": "\#(property)"}"#, token: try await fixture.token(.sponsor)
            )
            #expect(stranger.status == 403)
            let investorTry = try await fixture.investments.post(
                "/v1/offerings", #"{"property_id": "\#(property)"}"#, token: try await fixture.token(.investor))
            #expect(investorTry.status == 403)
            let missing = try await fixture.investments.post("/v1/offerings", #"{"property_id": "\#(UUID())"}"#, token: sponsor)
            #expect(missing.status == 422)
            #expect(missing["errors"]?[0]?["field"] == .string("property_id"))

            let created = try await fixture.investments.post("/v1/offerings", #"{"property_id": "\#(property)"}"#, token: sponsor)
            #expect(created.status == 201)
            #expect(created.string("name") == "The Elm Residences")
            #expect(created.string("status") == "open")
            #expect(created.string("minimum_investment") == "25000.00")
            #expect(created.string("maximum_investment") == "250000.00")
            #expect(created.string("target_raise") == "3000000.00")
            #expect(created.string("amount_raised") == "0.00")
            #expect(created["property"]?["city"] == .string("Prattville"))
            #expect(created.string("sponsor_id") == sponsorID.uuidString.lowercased())
            let offering = try #require(created.string("id"))
            // One offering per property.
            #expect(try await fixture.investments.post("/v1/offerings", #"{"property_id": "\#(property)"}"#, token: sponsor).status == 409)

            // The listing's terms change in properties; its event reaches investments and the
            // offering follows.
            let patched = try await fixture.properties.send(
                .PATCH, "/v1/properties/\(property)", json: #"{"target_raise": "4000000.00", "minimum_investment": "50000"}"#, token: sponsor
            )
            #expect(patched.status == 200)
            let followed = try await eventually(timeout: .seconds(20)) {
                try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor).string("target_raise") == "4000000.00"
            }
            #expect(followed)
            let reread = try await fixture.investments.get("/v1/offerings/\(offering)", token: try await fixture.token(.investor))
            #expect(reread.string("minimum_investment") == "50000.00")
            let listed = try await fixture.investments.get("/v1/offerings", token: try await fixture.token(.investor))
            #expect(listed["data"]?[0]?["id"] == .string(offering))
        }
    }

    @Test func badTermsAreRefusedFieldByField() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listProperty(sponsor: sponsor)
            let bad = try await fixture.investments.post(
                "/v1/offerings",
                #"{"property_id": "\#(property)", "minimum_investment": "500000", "maximum_investment": "1000", "target_raise": "100", "share_classes": ["gold"], "open_date": "2026-12-01", "close_date": "2026-11-01", "status": "live"}"#,
                token: sponsor
            )
            #expect(bad.status == 422)
            let fields = Set(
                (bad["errors"].flatMap { value -> [JSONValue]? in if case .array(let a) = value { a } else { nil } } ?? []).compactMap {
                    error -> String? in
                    if case .string(let field)? = error["field"] { field } else { nil }
                })
            #expect(fields == ["maximum_investment", "target_raise", "share_classes", "close_date", "status"])
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.offerings") == ["0"])
            let wrongType = try await fixture.investments.post(
                "/v1/offerings", #"{"property_id": "\#(property)", "target_raise": 100}"#, token: sponsor)
            #expect(wrongType.status == 422)
            #expect(wrongType["errors"]?[0]?["field"] == .string("target_raise"))
        }
    }

    @Test func aHundredConcurrentCommitmentsNeverOversubscribe() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            // Room for 40 of the 100 investors at $25,000 each.
            let offering = try await fixture.openOffering(sponsor: sponsor, target: "1000000.00", minimum: "25000")
            var investors: [(token: String, investment: String)] = []
            for _ in 0..<100 {
                let token = try await fixture.token(.investor)
                let pending = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "25000"}"#, token: token)
                try #require(pending.status == 201, "\(pending.text)")
                investors.append((token, try #require(pending.string("id"))))
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for investor in investors {
                    group.addTask { try await fixture.post("/v1/investments/\(investor.investment)/commit", token: investor.token).status }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == 200 }.count == 40)
            #expect(statuses.filter { $0 == 409 }.count == 60)
            let after = try await fixture.investments.get("/v1/offerings/\(offering)", token: sponsor)
            #expect(after.string("amount_raised") == "1000000.00")
            #expect(after["investor_count"] == .number(40))
            #expect(after.string("remaining") == "0.00")
            // The derived total is exactly the sum of the live commitments.
            #expect(
                try await fixture.sql("SELECT sum(amount)::text FROM investments.investments WHERE status = 'committed'") == ["1000000.00"]
            )
        }
    }

    @Test func retriesWithTheSameKeyCreateNothingTwice() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let investor = try await fixture.token(.investor)
            let key = UUID().uuidString
            let body = #"{"amount": "30000.00"}"#
            let replies = try await withThrowingTaskGroup(of: JSONClient.Reply.self) { group in
                for _ in 0..<5 { group.addTask { try await fixture.post("/v1/offerings/\(offering)/investments", body, token: investor, key: key) } }
                var all: [JSONClient.Reply] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(replies.allSatisfy { $0.status == 201 })
            #expect(Set(replies.compactMap { $0.string("id") }).count == 1)
            #expect(replies.filter { $0.headers.first(name: "Idempotent-Replayed") == "true" }.count == 4)
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.investments") == ["1"])

            let id = try #require(replies[0].string("id"))
            let commitKey = UUID().uuidString
            #expect(try await fixture.post("/v1/investments/\(id)/commit", token: investor, key: commitKey).status == 200)
            #expect(try await fixture.post("/v1/investments/\(id)/commit", token: investor, key: commitKey).status == 200)
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)", token: investor).string("amount_raised") == "30000.00")
            #expect(try await fixture.sql("SELECT count(*)::text FROM investments.transactions WHERE type = 'commitment'") == ["1"])
            // The same key for another request is a client bug, said plainly.
            let reused = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "40000.00"}"#, token: investor, key: key)
            #expect(reused.status == 422)
            #expect(reused.string("type") == "https://tract.dev/problems/idempotency-key-reused")
            // Money-moving POSTs without a key are refused.
            let keyless = try await fixture.investments.post("/v1/investments/\(id)/fund", "{}", token: sponsor)
            #expect(keyless.status == 422)
            #expect(keyless["errors"]?[0]?["field"] == .string("Idempotency-Key"))
        }
    }

    @Test func theLifecycleMovesOnlyForwardAndOnlyForThoseAllowed() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsorID = UUID()
            let sponsor = try await fixture.token(.sponsor, user: sponsorID)
            let offering = try await fixture.openOffering(sponsor: sponsor)
            let investorID = UUID()
            let investor = try await fixture.token(.investor, user: investorID)
            let other = try await fixture.token(.investor)
            let id = try await fixture.commit("50000", in: offering, investor: investor)

            // Another investor cannot see it; another sponsor cannot fund it; the investor cannot fund it.
            #expect(try await fixture.investments.get("/v1/investments/\(id)", token: other).status == 404)
            #expect(try await fixture.post("/v1/investments/\(id)/fund", token: other).status == 404)
            #expect(try await fixture.post("/v1/investments/\(id)/fund", token: try await fixture.token(.sponsor)).status == 404)
            #expect(try await fixture.post("/v1/investments/\(id)/fund", token: investor).status == 403)
            #expect(try await fixture.post("/v1/investments/\(id)/exit", #"{"proceeds": "1"}"#, token: sponsor).status == 409)

            let funded = try await fixture.post("/v1/investments/\(id)/fund", #"{"date": "2026-11-20"}"#, token: sponsor)
            #expect(funded.status == 200)
            #expect(funded.string("status") == "funded")
            #expect(funded.string("funding_date") == "2026-11-20")
            #expect(try await fixture.post("/v1/investments/\(id)/cancel", token: investor).status == 409)
            let admin = try await fixture.token(.admin)
            let exited = try await fixture.post("/v1/investments/\(id)/exit", #"{"date": "2031-11-20", "proceeds": "80000.00"}"#, token: admin)
            #expect(exited.string("status") == "exited")
            #expect(exited.string("exit_proceeds") == "80000.00")
            // Each move is in the ledger, signed from the investor's side.
            #expect(
                try await fixture.sql("SELECT type || ' ' || amount::text FROM investments.transactions ORDER BY created_at")
                    == ["commitment -50000.00", "investment -50000.00", "exit_proceeds 80000.00"]
            )
            // Their own list shows it; the sponsor's offering list shows it.
            #expect(try await fixture.investments.get("/v1/investments", token: investor)["data"]?[0]?["id"] == .string(id))
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)/investments", token: sponsor)["data"]?[0]?["id"] == .string(id))
            #expect(try await fixture.investments.get("/v1/offerings/\(offering)/investments", token: investor).status == 403)
        }
    }

    @Test func cancellingAnUnfundedCommitmentGivesTheRoomBack() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let offering = try await fixture.openOffering(sponsor: sponsor, target: "100000.00", maximum: "100000.00")
            let investor = try await fixture.token(.investor)
            let id = try await fixture.commit("100000", in: offering, investor: investor)
            let late = try await fixture.token(.investor)
            let refused = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "25000"}"#, token: late)
            #expect(refused.status == 422)
            #expect(try await fixture.post("/v1/investments/\(id)/cancel", token: investor).string("status") == "cancelled")
            let reopened = try await fixture.investments.get("/v1/offerings/\(offering)", token: late)
            #expect(reopened.string("amount_raised") == "0.00")
            #expect(reopened["investor_count"] == .number(0))
            _ = try await fixture.commit("25000", in: offering, investor: late)
        }
    }

    @Test func accreditedOnlyOfferingsNeedACurrentApproval() async throws {
        try await InvestmentsFixture.run { fixture in
            let sponsor = try await fixture.token(.sponsor)
            let property = try await fixture.listProperty(sponsor: sponsor)
            let created = try await fixture.investments.post("/v1/offerings", #"{"property_id": "\#(property)"}"#, token: sponsor)
            let offering = try #require(created.string("id"))
            #expect(created["requires_accreditation"] == .bool(true))
            let investor = try await fixture.token(.investor)
            let refused = try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "25000"}"#, token: investor)
            #expect(refused.status == 403)
            #expect(refused.string("type") == "https://tract.dev/problems/accreditation-required")

            // The evidence is an object of fields; a list or a bare value is refused and nothing is filed.
            let notAnObject = try await fixture.investments.post(
                "/v1/investor-profile/verifications", #"{"type": "accredited", "verification_data": [null, null]}"#, token: investor)
            #expect(notAnObject.status == 422)
            #expect(notAnObject["errors"]?[0]?["field"] == .string("verification_data"))
            let submitted = try await fixture.investments.post(
                "/v1/investor-profile/verifications", #"{"type": "accredited", "method": "income", "provider": "manual"}"#, token: investor
            )
            #expect(submitted.status == 201)
            #expect(submitted.string("status") == "pending")
            let verification = try #require(submitted.string("id"))
            #expect(
                try await fixture.investments.post("/v1/investor-profile/verifications", #"{"type": "accredited"}"#, token: investor).status == 409)
            // Investors do not review; a rejection needs a reason.
            #expect(
                try await fixture.investments.post("/v1/verifications/\(verification)/review", #"{"decision": "approve"}"#, token: investor).status
                    == 403)
            let admin = try await fixture.token(.admin)
            let queue = try await fixture.investments.get("/v1/verifications?status=pending", token: admin)
            #expect(queue["data"]?[0]?["id"] == .string(verification))
            #expect(
                try await fixture.investments.post("/v1/verifications/\(verification)/review", #"{"decision": "reject"}"#, token: admin).status == 422
            )
            let approved = try await fixture.investments.post("/v1/verifications/\(verification)/review", #"{"decision": "approve"}"#, token: admin)
            #expect(approved.string("status") == "approved")
            #expect(
                try await fixture.investments.post("/v1/verifications/\(verification)/review", #"{"decision": "approve"}"#, token: admin).status
                    == 409)
            #expect(try await fixture.post("/v1/offerings/\(offering)/investments", #"{"amount": "25000"}"#, token: investor).status == 201)

            // An approval that has run out by the service's clock no longer counts.
            try await fixture.sql("UPDATE investments.verifications SET expires_at = '2026-11-24T11:00:00Z'")
            let own = try await fixture.investments.get("/v1/investor-profile/verifications", token: investor)
            #expect(own["data"]?[0]?["status"] == .string("expired"))
        }
    }

    @Test func qualifyingAsAnInvestorKeepsOneProfileAndTellsTheSuite() async throws {
        try await InvestmentsFixture.run { fixture in
            let userID = UUID()
            let investor = try await fixture.token(.investor, user: userID)
            #expect(try await fixture.investments.get("/v1/investor-profile", token: investor).status == 404)
            let body = #"{"cap_gain_or_not": true, "size_of_cap_gain": "1000000.00", "time_of_cap_gain": "2026-08-01", "tax_bracket": 0.238}"#
            let created = try await fixture.investments.send(.PUT, "/v1/investor-profile", json: body, token: investor)
            #expect(created.status == 201)
            #expect(created.string("size_of_cap_gain") == "1000000.00")
            #expect(created["profile_completion_score"] == .number(80))
            let updated = try await fixture.investments.send(
                .PUT, "/v1/investor-profile",
                json:
                    #"{"cap_gain_or_not": true, "size_of_cap_gain": "1000000.00", "time_of_cap_gain": "2026-08-01", "tax_bracket": 0.238, "geographical_zone_of_investment": "AL"}"#,
                token: investor
            )
            #expect(updated.status == 200)
            #expect(updated["profile_completion_score"] == .number(100))
            let bad = try await fixture.investments.send(
                .PUT, "/v1/investor-profile", json: #"{"tax_bracket": 2, "size_of_cap_gain": "-5"}"#, token: investor)
            #expect(bad.status == 422)
            #expect(
                try await fixture.sql("SELECT event_type FROM investments.outbox WHERE subscriber = 'auth' ORDER BY id") == [
                    "investor_profile.created"
                ]
            )
            #expect(try await fixture.investments.get("/v1/investor-profile").status == 401)
        }
    }
}
