import Foundation
import Models

/// Who sees which part of a profile on its page (`GET /v1/auth/profiles/{user_id_or_slug}`).
/// Pure: no I/O.
///
/// - The owner sees everything.
/// - A sponsor's page is a public page (issue 16: "public profile pages for sponsors"): anonymous
///   callers see the `public` groups, signed-in callers the `public` and `signed_in` ones.
/// - Anyone else's profile has no public page: anonymous callers get 404 whatever it holds, so
///   investors and developers stay out of crawlers' reach. Signed-in callers see the groups the
///   owner opened to `signed_in` or `public` — members of the platform meet in its conversations
///   and webinars, and the levels are the owner's own statement of who may see what — and 404
///   when the owner opened none, so a private investor's account cannot be told from no account.
/// - Nothing is shown by default (GDPR Art. 25(2), data protection by default): a group the owner
///   never set is private.
enum ProfileVisibility {
    enum Level: String, Sendable, CaseIterable {
        case `private`
        case signedIn = "signed_in"
        case `public`
    }

    enum Viewer: Sendable, Equatable {
        case anonymous
        case signedIn(UUID)
    }

    /// Field group → the keys of the page it shows. `name` and `avatar_url` come from the
    /// account (`PATCH /v1/auth/me`), the rest from the profile.
    static let groups: [String: [String]] = [
        "name": ["first_name", "last_name"],
        "avatar_url": ["avatar_url"],
        "headline": ["headline"],
        "bio": ["bio"],
        "company": ["company"],
        "position": ["position"],
        "location": ["location_city", "location_state", "location_country"],
        "timezone": ["timezone"],
        "website_url": ["website_url"],
        "linkedin_url": ["linkedin_url"],
        "investment_preferences": ["property_types", "markets", "check_size_min", "check_size_max", "risk_tolerance"],
    ]

    /// The groups `viewer` may see of `owner`'s profile; nil when the page is not theirs to see at
    /// all (404).
    static func visibleGroups(
        owner: UUID, isSponsor: Bool, levels: [String: String], viewer: Viewer
    ) -> Set<String>? {
        if viewer == .signedIn(owner) { return Set(Self.groups.keys) }
        let shown: Set<Level> =
            switch viewer {
            case .anonymous: [.public]
            case .signedIn: [.public, .signedIn]
            }
        if viewer == .anonymous, !isSponsor { return nil }
        let visible = Set(Self.groups.keys.filter { group in shown.contains(Level(rawValue: levels[group] ?? "") ?? .private) })
        if !isSponsor, visible.isEmpty { return nil }
        return visible
    }

    /// The page: `user_id`, `slug` (the page's own address) and the visible groups' keys, taken
    /// from `document` (every key, as the owner would see it). Hidden keys are left out, not
    /// nulled, so a viewer cannot tell a hidden field from an empty one.
    static func page(_ document: [String: JSONValue], groups: Set<String>) -> [String: JSONValue] {
        var page: [String: JSONValue] = ["user_id": document["user_id"] ?? .null, "slug": document["slug"] ?? .null]
        for group in groups {
            for key in Self.groups[group] ?? [] { page[key] = document[key] ?? .null }
        }
        return page
    }
}
