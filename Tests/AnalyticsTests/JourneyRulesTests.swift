import Foundation
import Models
import Testing

@testable import AnalyticsService

/// Seed 000's endpoint map as rules: which events start and complete each entry point's journey
/// and which interests they set, folded so arrival order does not matter.
@Suite struct JourneyRulesTests {
    static let user = UUID()
    static func at(_ minute: Double) -> Date { Date(timeIntervalSince1970: 1_790_000_000 + minute * 60) }

    static func event(_ name: String, _ minute: Double, _ properties: [String: JSONValue] = [:], referrer: String? = nil) -> RecordedEvent {
        RecordedEvent(
            id: UUID(), name: name, origin: name.contains(".") ? "investments" : "client", occurredAt: Self.at(minute),
            receivedAt: Self.at(minute + 1),
            userID: Self.user, referrer: referrer, properties: .object(properties))
    }

    static func key(_ entryPoint: EntryPoint) -> JourneyRules.Key { JourneyRules.Key(user: Self.user, entryPoint: entryPoint) }

    @Test func eachEntryPointStartsFromItsSignInAndEndsWithItsEvent() {
        let auth = Self.event(
            "auth_initiated", 0,
            [
                "source_endpoint": "check_how_much_tax_you_can_save", "first_auth": true, "auth_method": "google",
                "referrer": "https://blog.example/oz",
            ])
        let used = Self.event("tax_calculator.used", 5, ["regime": "oz"])
        let changes = JourneyRules.changes(for: [(Self.user, used), (Self.user, auth)])
        #expect(
            changes.starts == [
                Self.key(.taxSavings): .init(
                    at: Self.at(0), eventID: auth.id, firstAuth: true, authMethod: "google", referrer: "https://blog.example/oz")
            ])
        #expect(changes.completions == [Self.key(.taxSavings): .init(at: Self.at(5), eventID: used.id, eventName: "tax_calculator.used")])
        #expect(changes.interests.isEmpty)
    }

    @Test func everyEntryPointHasItsCompletingEvent() {
        #expect(Set(JourneyRules.completions.values) == Set(EntryPoint.allCases))
        #expect(JourneyRules.completions["oz_check.completed"] == .checkOZ)
        #expect(JourneyRules.completions["investor_qualification.submitted"] == .qualifyAsInvestor)
        #expect(JourneyRules.completions["team_contact.requested"] == .teamContact)
        #expect(JourneyRules.completions["community.joined"] == .community)
    }

    @Test func signUpsAndSignInsStartJourneysTooAndTheEarliestStartWins() {
        let signedIn = Self.event("user.signed_in", 30, ["source": "see_oz_listings", "auth_method": "passkey"])
        let created = Self.event("user.created", 10, ["first_auth_source": "see_oz_listings", "auth_method": "password"])
        let unknown = Self.event("user.created", 10, ["first_auth_source": "somewhere_else"])
        let changes = JourneyRules.changes(for: [(Self.user, signedIn), (Self.user, created), (Self.user, unknown)])
        #expect(
            changes.starts == [
                Self.key(.listings): .init(at: Self.at(10), eventID: created.id, firstAuth: true, authMethod: "password", referrer: nil)
            ])
    }

    @Test func aCompletionWithNothingEarlierStartsItsOwnJourney() {
        let joined = Self.event("community.joined", 3)
        let changes = JourneyRules.changes(for: [(Self.user, joined)])
        #expect(changes.starts == [Self.key(.community): .init(at: Self.at(3), eventID: joined.id)])
        #expect(changes.completions[Self.key(.community)]?.eventID == joined.id)
    }

    @Test func interestsFollowSeed000AndMembershipItsNewestChange() throws {
        let events = [
            Self.event("dashboard_viewed", 1), Self.event("listing_viewed", 2), Self.event("team_contact.requested", 9),
            Self.event("team_contact.requested", 4), Self.event("community.left", 8), Self.event("community.joined", 6),
        ]
        let interests = try #require(JourneyRules.changes(for: events.map { (Self.user, $0) }).interests[Self.user])
        #expect(interests.dashboardAccessed)
        #expect(interests.viewedListings)
        #expect(interests.needsTeamContact)
        #expect(interests.lastTeamContactRequest == Self.at(9))
        #expect(interests.community?.member == false)
        #expect(interests.community?.at == Self.at(8))
        #expect(interests.receivedAt == Self.at(10))
    }

    @Test func eventsThatMeanNothingHereChangeNothing() {
        let changes = JourneyRules.changes(for: [(Self.user, Self.event("page_viewed", 1)), (Self.user, Self.event("investment.funded", 2))])
        #expect(changes.isEmpty)
    }
}
