/// The five services of the suite, as they name each other on the wire: an event's `source`, a
/// service client's id. Where each runs and what it owns in Postgres are deployment facts, kept in
/// the kit (`ServiceName+Deployment.swift`).
public enum ServiceName: String, CaseIterable, Codable, Sendable {
    case auth
    case properties
    case investments
    case communications
    case analytics
}
