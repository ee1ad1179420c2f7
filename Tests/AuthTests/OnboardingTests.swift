import AuthService
import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import AuthService

/// The setup checklist (seed 004 §3, issue 16): each step moves when the event that proves it
/// arrives at auth's inbox from the service that publishes it, as the outbox dispatcher delivers
/// it (`POST /internal/events` with that service's token), and the list can be hidden and brought back.
@Suite struct OnboardingTests {
    /// Delivers `event` as `source`'s outbox would: the envelope of the Models type, with the
    /// publishing service's own token.
    static func deliver<Event: DomainEvent>(
        _ event: Event, from source: ServiceName, id: UUID = UUIDv7.make(), at time: String = "2026-11-22T12:00:00Z", to auth: AuthFixture
    ) async throws -> JSONClient.Reply {
        let envelope = EventEnvelope(
            id: id, type: Event.eventType, source: source.rawValue, occurredAt: try #require(RFC3339.date(from: time)),
            payload: try JSONValue(encoding: event))
        let body = String(decoding: try JSONEncoder.tract.encode(envelope), as: UTF8.self)
        return try await auth.client.post("/internal/events", body, token: try await auth.serviceToken(source))
    }

    static func userID(_ email: String, _ auth: AuthFixture) async throws -> UUID {
        let text = try await auth.sql("SELECT id::text FROM auth.users WHERE email = '\(email)'").first
        return try #require(text.flatMap(UUID.init(uuidString:)))
    }

    static func steps(_ reply: JSONClient.Reply) -> [String: JSONValue] {
        guard case .array(let steps)? = reply["steps"] else { return [:] }
        var found: [String: JSONValue] = [:]
        for step in steps {
            if case .string(let key)? = step["key"] { found[key] = step["done_at"] ?? .null }
        }
        return found
    }

    @Test func anInvestorsStepsMoveAsTheirEventsArrive() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let token = try await auth.accessToken(email)
            let userID = try await Self.userID(email, auth)

            let fresh = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(fresh.status == 200, "\(fresh.text)")
            #expect(
                fresh.json
                    == [
                        "role": "investor", "completed": 0, "total": 4, "percent": 0, "dismissed": false, "dismissed_at": nil,
                        "steps": [
                            [
                                "key": "investor_profile", "title": "Complete your investor profile", "action": "/v1/investor-profile", "done": false,
                                "done_at": nil,
                            ],
                            [
                                "key": "accreditation_verified", "title": "Verify your accreditation",
                                "action": "/v1/investor-profile/verifications", "done": false, "done_at": nil,
                            ],
                            [
                                "key": "first_tax_estimate", "title": "Estimate your OZ tax savings", "action": "/v1/tax/oz-estimate", "done": false,
                                "done_at": nil,
                            ],
                            [
                                "key": "first_investment", "title": "Make your first investment", "action": "/v1/offerings", "done": false,
                                "done_at": nil,
                            ],
                        ],
                    ])

            // The investor profile: the step is done and the role logic still runs beside it.
            let profileEvent = UUIDv7.make()
            let applied = try await Self.deliver(InvestorProfileCreated(userId: userID), from: .investments, id: profileEvent, to: auth)
            #expect(applied.string("outcome") == "applied", "\(applied.text)")
            #expect(try await auth.count("SELECT count(*) FROM auth.users WHERE has_investor_activity") == 1)
            var progress = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(Self.steps(progress)["investor_profile"] == "2026-11-22T12:00:00.000000Z")
            #expect(progress["percent"] == 25)
            // Redelivered: nothing changes.
            let again = try await Self.deliver(
                InvestorProfileCreated(userId: userID), from: .investments, id: profileEvent, at: "2026-11-01T00:00:00Z", to: auth)
            #expect(again.string("outcome") == "duplicate")

            // A rejected accreditation leaves the step to do; an approval does it.
            let decided = try #require(RFC3339.date(from: "2026-11-23T09:00:00Z"))
            _ = try await Self.deliver(
                AccreditationDecided(
                    verificationId: UUID(), userId: userID, decision: "rejected", reason: "Letter unsigned", expiresAt: nil, decidedAt: decided),
                from: .investments, to: auth)
            progress = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(Self.steps(progress)["accreditation_verified"] == .null)
            _ = try await Self.deliver(
                AccreditationDecided(verificationId: UUID(), userId: userID, decision: "approved", reason: nil, expiresAt: nil, decidedAt: decided),
                from: .investments, at: "2026-11-23T09:00:00Z", to: auth)
            _ = try await Self.deliver(TaxCalculatorUsed(userId: userID, regime: "tcja"), from: .investments, at: "2026-11-24T10:00:00Z", to: auth)
            _ = try await Self.deliver(
                InvestmentCommitted(
                    investmentId: UUID(), offeringId: UUID(), propertyId: UUID(), investorId: userID, amount: Money(cents: 5_000_000)),
                from: .investments, at: "2026-11-25T10:00:00Z", to: auth)
            // A second estimate, earlier than the first one delivered: the earliest time stands.
            _ = try await Self.deliver(TaxCalculatorUsed(userId: userID, regime: "tcja"), from: .investments, at: "2026-11-20T08:00:00Z", to: auth)
            progress = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(
                Self.steps(progress) == [
                    "investor_profile": "2026-11-22T12:00:00.000000Z", "accreditation_verified": "2026-11-23T09:00:00.000000Z",
                    "first_tax_estimate": "2026-11-20T08:00:00.000000Z", "first_investment": "2026-11-25T10:00:00.000000Z",
                ])
            #expect(progress["completed"] == 4)
            #expect(progress["percent"] == 100)

            // An OZ check makes the investor `both`: the developer's step joins the list, done.
            _ = try await Self.deliver(
                OZCheckCompleted(userId: userID, tractGeoid: "48453001100", designated: true), from: .properties, at: "2026-11-26T10:00:00Z",
                to: auth)
            progress = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(progress["role"] == "both")
            #expect(progress["total"] == 6)
            #expect(Self.steps(progress)["first_oz_check"] == "2026-11-26T10:00:00.000000Z")

            // Events about other users, and about no user, change nothing here.
            let someoneElse = try await auth.accessToken(try await auth.verifiedUser())
            #expect(try await Self.deliver(TaxCalculatorUsed(userId: UUID(), regime: "tcja"), from: .investments, to: auth).status == 200)
            #expect(try await auth.client.get("/v1/auth/me/onboarding", token: someoneElse)["completed"] == 0)
            #expect(try await auth.count("SELECT count(*) FROM auth.onboarding_steps") == 5)

            // Only the publisher of a type may deliver it.
            let forged = try await Self.deliver(TaxCalculatorUsed(userId: userID, regime: "tcja"), from: .properties, to: auth)
            #expect(forged.status == 403)
            let userToken = try await auth.client.post(
                "/internal/events",
                #"{"id":"\#(UUIDv7.make())","type":"tax_calculator.used","source":"investments","occurred_at":"2026-11-22T12:00:00Z","payload":{"user_id":"\#(userID)","regime":"tcja"}}"#,
                token: token)
            #expect(userToken.status == 403)
        }
    }

    @Test func aSponsorsFirstListingComesFromProperties() async throws {
        try await AuthFixture.run { auth in
            let email = try await auth.verifiedUser()
            let userID = try await Self.userID(email, auth)
            try await auth.sql("UPDATE auth.users SET account_role = 'sponsor' WHERE id = '\(userID)'")
            let token = try await auth.accessToken(email)
            #expect(Self.steps(try await auth.client.get("/v1/auth/me/onboarding", token: token)) == ["organization": .null, "first_listing": .null])
            let listing = PropertySnapshot(
                propertyId: UUID(), slug: "elm-street", propertyName: "Elm Street", status: "active", visibility: "public", city: "Austin",
                state: "TX", propertyType: "multi_family", propertyClass: "B", inOz: true, ozTractGeoid: "48453001100", investmentOpen: true,
                minimumInvestment: nil, maximumInvestment: nil, targetRaise: nil, sponsorId: userID, version: 1)
            _ = try await Self.deliver(PropertyPublished(property: listing), from: .properties, at: "2026-11-27T10:00:00Z", to: auth)
            let progress = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(Self.steps(progress) == ["organization": .null, "first_listing": "2026-11-27T10:00:00.000000Z"])
            #expect(progress["percent"] == 50)
            #expect(progress["role"] == "sponsor")
            // The organisation step is auth's own: creating the firm's organisation does it.
            let made = try await auth.client.post(
                "/v1/auth/organizations",
                #"{"slug":"elm-street-\#(userID.uuidString.prefix(8).lowercased())","name":"Elm Street Partners","kind":"sponsor_firm"}"#,
                token: token)
            #expect(made.status == 201, "\(made.text)")
            let after = try await auth.client.get("/v1/auth/me/onboarding", token: token)
            #expect(after["percent"] == 100)
            #expect(after["steps"]?[0]?["key"] == "organization")
            #expect(after["steps"]?[0]?["done_at"] != .null)
        }
    }

    @Test func theChecklistIsDismissedAndBroughtBackByItsOwnerOnly() async throws {
        try await AuthFixture.run { auth in
            let token = try await auth.accessToken(try await auth.verifiedUser())
            let other = try await auth.accessToken(try await auth.verifiedUser())
            let dismissed = try await auth.client.post("/v1/auth/me/onboarding/dismiss", "", token: token)
            #expect(dismissed.status == 200, "\(dismissed.text)")
            #expect(dismissed["dismissed"] == true)
            let at = try #require(dismissed.string("dismissed_at"))
            // Dismissing again keeps the first time; the other user's list is untouched.
            #expect(try await auth.client.post("/v1/auth/me/onboarding/dismiss", "", token: token).string("dismissed_at") == at)
            #expect(try await auth.client.get("/v1/auth/me/onboarding", token: token)["dismissed"] == true)
            #expect(try await auth.client.get("/v1/auth/me/onboarding", token: other)["dismissed"] == false)
            let restored = try await auth.client.post("/v1/auth/me/onboarding/restore", "", token: token)
            #expect(restored.status == 200)
            #expect(restored["dismissed"] == false)
            #expect(restored["dismissed_at"] == .null)
            #expect(try await auth.client.post("/v1/auth/me/onboarding/dismiss", "").status == 401)
            #expect(try await auth.client.get("/v1/auth/me/onboarding", token: try await auth.serviceToken(.investments)).status == 403)
        }
    }

    @Test(arguments: [
        (AccountRole.investor, ["investor_profile", "accreditation_verified", "first_tax_estimate", "first_investment"]),
        (.developer, ["first_oz_check", "sponsor_application"]),
        (.both, ["investor_profile", "accreditation_verified", "first_tax_estimate", "first_investment", "first_oz_check", "sponsor_application"]),
        (.sponsor, ["organization", "first_listing"]),
        (.admin, []),
    ])
    func eachRoleHasItsChecklist(role: AccountRole, steps: [String]) {
        #expect(OnboardingChecklist.steps(for: role).map(\.rawValue) == steps)
    }

    @Test func percentRoundsDown() {
        #expect(OnboardingChecklist.percent(done: 0, of: 4) == 0)
        #expect(OnboardingChecklist.percent(done: 1, of: 3) == 33)
        #expect(OnboardingChecklist.percent(done: 2, of: 3) == 66)
        #expect(OnboardingChecklist.percent(done: 3, of: 3) == 100)
        #expect(OnboardingChecklist.percent(done: 0, of: 0) == 100)
    }
}
