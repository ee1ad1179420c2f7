import ServiceKit

/// analytics' tables that hold rows about a user, for the data export (`PersonalDataTable`): their
/// events, identities, journeys, interests, segment memberships, and per-actor rollups (keyed by
/// the user id as text), plus what staff made (segments, dashboard links, event names). The
/// dashboard link's hash is a secret and is left out. `AnalyticsPersonalDataTests` holds this list
/// to the schema. Account deletion deletes the user's rows; segments, links and event names staff
/// made stay under the request's anonymous id.
enum AnalyticsPersonalData {
    static let tables: [PersonalDataTable] = [
        PersonalDataTable("analytics.events", [.id("user_id"), .text("actor")]),
        PersonalDataTable("analytics.identities", "user_id"),
        PersonalDataTable("analytics.journeys", "user_id"),
        PersonalDataTable("analytics.user_interests", "user_id"),
        PersonalDataTable("analytics.segment_members", "user_id"),
        PersonalDataTable("analytics.activity_daily", [.text("actor")]),
        PersonalDataTable("analytics.actor_first_seen", [.text("actor")]),
        PersonalDataTable("analytics.sessions", [.text("actor")]),
        PersonalDataTable("analytics.funnel_firsts", [.text("actor")]),
        PersonalDataTable("analytics.segments", "created_by", erasure: .anonymise(clearing: [])),
        PersonalDataTable("analytics.dashboard_links", "created_by", omitting: ["token_hash"], erasure: .anonymise(clearing: [])),
        PersonalDataTable("analytics.event_names", "created_by", erasure: .anonymise(clearing: [])),
    ]
}
