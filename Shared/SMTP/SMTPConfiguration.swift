import NIOSSL

/// Where and how to deliver.
public struct SMTPConfiguration: Sendable {
    public enum Security: String, Sendable, CaseIterable {
        /// Plaintext; for a local sink only. Credentials are never sent this way.
        case none
        /// Plaintext greeting, then STARTTLS before anything else (port 587). Fails if not offered.
        case startTLS = "starttls"
        /// TLS from the first byte (port 465, RFC 8314).
        case tls
    }

    public struct Credentials: Sendable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var credentials: Credentials?
    /// The name sent with EHLO; should be this sender's fully qualified domain name.
    public var heloName: String
    /// Certificate checks for STARTTLS and TLS. The default verifies against the system roots.
    public var tls: TLSConfiguration
    public var connectTimeout: Duration
    /// A bound on the session's opening and on each message's transaction, so a stalled server
    /// cannot hold a sender forever.
    public var exchangeTimeout: Duration
    /// Connections open at once to this server (`SMTP_MAX_CONNECTIONS`); each is reused for
    /// message after message.
    public var maximumConnections: Int
    /// How long an unused connection stays open (servers drop idle clients after minutes).
    public var idleTimeout: Duration

    public init(
        host: String,
        port: Int,
        security: Security,
        credentials: Credentials? = nil,
        heloName: String,
        tls: TLSConfiguration = .makeClientConfiguration(),
        connectTimeout: Duration = .seconds(10),
        exchangeTimeout: Duration = .seconds(60),
        maximumConnections: Int = 4,
        idleTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.heloName = heloName
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.exchangeTimeout = exchangeTimeout
        self.maximumConnections = maximumConnections
        self.idleTimeout = idleTimeout
    }
}
