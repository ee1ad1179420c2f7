import Foundation
import Models

/// Seed 000's seven ways in: the entry point a visitor signed in from (`auth_initiated`'s
/// `source_endpoint`, auth's `first_auth_source`) names the journey they are on.
public enum EntryPoint: String, CaseIterable, Codable, Sendable {
    case checkOZ = "check_if_your_development_is_in_an_oz"
    case qualifyAsInvestor = "qualify_as_an_investor"
    case taxSavings = "check_how_much_tax_you_can_save"
    case dashboard = "see_dashboard"
    case teamContact = "speak_to_the_team"
    case community = "join_our_community"
    case listings = "see_oz_listings"
}

/// What events mean for journeys and `user_interests` (seed 000, "Endpoint to Table Connection
/// Map"), with no I/O: `changes(for:)` folds a batch into one change per journey and per user, so
/// the writer stores each with one statement and the result does not depend on arrival order.
public enum JourneyRules {
    /// The event that completes each entry point's journey. `team_contact.requested` and
    /// `community.joined` are communications' to publish (seed 000, not built yet): known by name now.
    static let completions: [String: EntryPoint] = [
        "oz_check.completed": .checkOZ,
        "investor_qualification.submitted": .qualifyAsInvestor,
        "tax_calculator.used": .taxSavings,
        "dashboard_viewed": .dashboard,
        "team_contact.requested": .teamContact,
        "community.joined": .community,
        "listings_viewed": .listings,
    ]

    /// Every name that means anything here: the writer looks nothing up for other events.
    static let relevantNames: Set<String> = Set(Self.completions.keys).union([
        "auth_initiated", "user.created", "user.signed_in", "listing_viewed", "community.left",
    ])

    struct Key: Hashable, Sendable {
        var user: UUID
        var entryPoint: EntryPoint
    }

    /// The earliest thing seen on a journey: its sign-in, or the completing event itself when
    /// nothing earlier was recorded (seed 000's "join our community" starts by joining).
    struct Start: Equatable, Sendable {
        var at: Date
        var eventID: UUID
        var firstAuth: Bool?
        var authMethod: String?
        var referrer: String?
    }

    struct Completion: Equatable, Sendable {
        var at: Date
        var eventID: UUID
        var eventName: String
    }

    /// Seed 000 `user_interests`: flags only ever set, the last contact request, and community
    /// membership as of its newest change (joined, then left, is not a member).
    struct Interests: Equatable, Sendable {
        var dashboardAccessed = false
        var viewedListings = false
        var needsTeamContact = false
        var lastTeamContactRequest: Date?
        var community: (member: Bool, at: Date)?
        /// When the newest event behind these changes was received: the row's `updated_at`.
        var receivedAt: Date

        static func == (lhs: Interests, rhs: Interests) -> Bool {
            lhs.dashboardAccessed == rhs.dashboardAccessed && lhs.viewedListings == rhs.viewedListings
                && lhs.needsTeamContact == rhs.needsTeamContact && lhs.lastTeamContactRequest == rhs.lastTeamContactRequest
                && lhs.community?.member == rhs.community?.member && lhs.community?.at == rhs.community?.at && lhs.receivedAt == rhs.receivedAt
        }
    }

    struct Changes: Equatable, Sendable {
        var starts: [Key: Start] = [:]
        var completions: [Key: Completion] = [:]
        var interests: [UUID: Interests] = [:]
        /// When the newest event behind the changes was received: the rows' `updated_at`.
        var receivedAt = Date.distantPast

        var isEmpty: Bool { self.starts.isEmpty && self.completions.isEmpty && self.interests.isEmpty }
    }

    /// The journey an event starts, if it is a sign-in from an entry point.
    static func start(of event: RecordedEvent) -> (EntryPoint, Start)? {
        let properties = event.properties
        let entry: String?
        let firstAuth: Bool?
        switch event.name {
        case "auth_initiated":
            entry = Self.text(properties["source_endpoint"])
            firstAuth = Self.flag(properties["first_auth"])
        case "user.created":
            entry = Self.text(properties["first_auth_source"])
            firstAuth = true
        case "user.signed_in":
            entry = Self.text(properties["source"])
            firstAuth = false
        default:
            entry = nil
            firstAuth = nil
        }
        guard let entryPoint = entry.flatMap(EntryPoint.init(rawValue:)) else { return nil }
        let referrer = Self.text(properties["referrer"]) ?? event.referrer
        let start = Start(
            at: event.occurredAt, eventID: event.id, firstAuth: firstAuth, authMethod: Self.text(properties["auth_method"]), referrer: referrer
        )
        return (entryPoint, start)
    }

    /// Folds `events` (each with the user it belongs to) into the changes they make.
    static func changes(for events: [(user: UUID, event: RecordedEvent)]) -> Changes {
        var changes = Changes()
        for (user, event) in events {
            changes.receivedAt = max(changes.receivedAt, event.receivedAt)
            if case (let entryPoint, let start)? = Self.start(of: event) {
                changes.starts[Key(user: user, entryPoint: entryPoint), default: start].merge(start)
            }
            if let entryPoint = Self.completions[event.name] {
                let key = Key(user: user, entryPoint: entryPoint)
                let start = Start(at: event.occurredAt, eventID: event.id)
                changes.starts[key, default: start].merge(start)
                let completion = Completion(at: event.occurredAt, eventID: event.id, eventName: event.name)
                if let earlier = changes.completions[key], earlier.at <= completion.at { continue }
                changes.completions[key] = completion
            }
            Self.noteInterest(of: event, for: user, in: &changes.interests)
        }
        return changes
    }

    private static func text(_ value: JSONValue?) -> String? { if case .string(let text)? = value { text } else { nil } }
    private static func flag(_ value: JSONValue?) -> Bool? { if case .bool(let flag)? = value { flag } else { nil } }

    private static func noteInterest(of event: RecordedEvent, for user: UUID, in interests: inout [UUID: Interests]) {
        var noted = interests[user] ?? Interests(receivedAt: event.receivedAt)
        switch event.name {
        case "dashboard_viewed": noted.dashboardAccessed = true
        case "listings_viewed", "listing_viewed": noted.viewedListings = true
        case "team_contact.requested":
            noted.needsTeamContact = true
            noted.lastTeamContactRequest = max(noted.lastTeamContactRequest ?? event.occurredAt, event.occurredAt)
        case "community.joined", "community.left":
            if let known = noted.community, known.at > event.occurredAt { break }
            noted.community = (event.name == "community.joined", event.occurredAt)
        default: return
        }
        noted.receivedAt = max(noted.receivedAt, event.receivedAt)
        interests[user] = noted
    }
}

extension JourneyRules.Start {
    init(at: Date, eventID: UUID) { self.init(at: at, eventID: eventID, firstAuth: nil, authMethod: nil, referrer: nil) }

    /// The earlier start wins; what it does not say, the other fills in (as the SQL upsert does).
    mutating func merge(_ other: Self) {
        guard other != self else { return }
        let (first, second) = other.at < self.at ? (other, self) : (self, other)
        self = Self(
            at: first.at, eventID: first.eventID, firstAuth: first.firstAuth ?? second.firstAuth,
            authMethod: first.authMethod ?? second.authMethod, referrer: first.referrer ?? second.referrer
        )
    }
}
