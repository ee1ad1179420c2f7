import Models

/// Where each service runs and what it owns in Postgres (ARCHITECTURE.md, "Shape" and "Ports"):
/// deployment facts, which only servers and their tooling need, so they live in the kit rather
/// than in the wire models. The raw value is also the executable name, the Postgres role suffix
/// and the gateway prefix for its probes (`/v1/<service>/health/ready`).
extension ServiceName {
    /// The port each service listens on by default (ARCHITECTURE.md, "Ports and local run").
    public var defaultPort: Int {
        switch self {
        case .auth: 8081
        case .properties: 8082
        case .investments: 8083
        case .communications: 8084
        case .analytics: 8085
        }
    }

    /// The Postgres schemas the service owns; the first holds its bookkeeping tables
    /// (`schema_migrations`, `outbox`, `inbox`).
    public var schemas: [String] {
        switch self {
        case .auth: ["auth"]
        case .properties: ["properties", "media"]
        case .investments: ["investments", "financials"]
        case .communications: ["communications"]
        case .analytics: ["analytics"]
        }
    }

    /// The Postgres role the service connects as; it can reach only `schemas`.
    public var databaseRole: String { "tract_\(self.rawValue)" }
}
