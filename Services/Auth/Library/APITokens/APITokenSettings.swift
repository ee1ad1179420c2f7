import ServiceKit

/// Personal API tokens' limits (README, "API tokens").
public struct APITokenSettings: Sendable {
    /// `API_TOKEN_MAX_TTL_DAYS` (default 365, at most 365): the longest `expires_in_days` a token
    /// may ask for. Every token expires (GitHub's fine-grained tokens cap at a year too), so a
    /// forgotten one does not work for ever.
    public var maximumLifetimeDays: Int
    /// `API_TOKENS_PER_USER` (default 20): live (unrevoked, unexpired) tokens one user may hold; a
    /// script that mints one per run hits this instead of filling the table.
    public var livePerUser: Int
    /// `RATE_LIMIT_API_TOKEN_PER_MINUTE` (default 600): requests one token may make across the
    /// suite, counted at auth's introspection, which every request with the token passes through.
    public var requestsPerToken: TokenBucket

    public init(maximumLifetimeDays: Int = 365, livePerUser: Int = 20, requestsPerToken: TokenBucket = TokenBucket(600, per: .seconds(60))) {
        self.maximumLifetimeDays = maximumLifetimeDays
        self.livePerUser = livePerUser
        self.requestsPerToken = requestsPerToken
    }

    static func fromEnvironment(_ environment: EnvironmentReader) throws -> APITokenSettings {
        APITokenSettings(
            maximumLifetimeDays: try environment.integer("API_TOKEN_MAX_TTL_DAYS", default: 365, range: 1...365),
            livePerUser: try environment.integer("API_TOKENS_PER_USER", default: 20, range: 1...1000),
            requestsPerToken: TokenBucket(
                try environment.integer("RATE_LIMIT_API_TOKEN_PER_MINUTE", default: 600, range: 1...1_000_000), per: .seconds(60))
        )
    }
}
