import Foundation
import NIOSSL
import PostgresNIO

/// A parsed `DATABASE_URL` (`postgres://user:password@host:port/database?sslmode=require`).
///
/// PostgresClient takes its settings field by field and has no URL parser, so this is the one place
/// the suite turns a URL into a client configuration.
public struct DatabaseURL: Sendable, Equatable {
    public enum TLSMode: String, Sendable {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    public init(
        host: String,
        port: Int = 5432,
        username: String,
        password: String?,
        database: String,
        tlsMode: TLSMode = .disable
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
    }

    /// Parses a URL; the error names `variable` so start-up can say which setting is wrong.
    public init(parsing text: String, variable: String = "DATABASE_URL") throws {
        func invalid(_ reason: String) -> ConfigurationError {
            ConfigurationError(variable: variable, reason: reason)
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw invalid("is not a URL (expected postgres://user:password@host:port/database)")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw invalid("must use the postgres:// scheme, got \"\(scheme)://\"")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("has no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("has no user name") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw invalid("must name exactly one database in its path")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw invalid("has port \(port) out of range")
        }
        var tlsMode = TLSMode.disable
        if let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let mode = TLSMode(rawValue: sslmode) else {
                throw invalid("has sslmode \"\(sslmode)\"; use disable, require or verify-full")
            }
            tlsMode = mode
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database,
            tlsMode: tlsMode
        )
    }

    /// The URL again, with the password replaced, for logs.
    public var redacted: String {
        "postgres://\(self.username):***@\(self.host):\(self.port)/\(self.database)"
    }

    /// The same server and credentials, another database (used by the test harness).
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The TLS the URL's `sslmode` asks for, nil for none: one answer for the pool and for single
    /// connections. `require` encrypts without checking the certificate (libpq's meaning).
    var tlsConfiguration: TLSConfiguration? {
        switch self.tlsMode {
        case .disable:
            return nil
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            return configuration
        case .verifyFull:
            return TLSConfiguration.makeClientConfiguration()
        }
    }

    /// One connection's configuration, for what must not wait behind the pool (the outage probe).
    public var connectionConfiguration: PostgresConnection.Configuration {
        get throws {
            let tls: PostgresConnection.Configuration.TLS =
                try self.tlsConfiguration.map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
            return PostgresConnection.Configuration(
                host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: tls)
        }
    }

    public var clientConfiguration: PostgresClient.Configuration {
        get throws {
            let tls: PostgresClient.Configuration.TLS = self.tlsConfiguration.map { .require($0) } ?? .disable
            var configuration = PostgresClient.Configuration(
                host: self.host,
                port: self.port,
                username: self.username,
                password: self.password,
                database: self.database,
                tls: tls
            )
            configuration.options.connectTimeout = .seconds(5)
            // Timestamps Postgres renders itself (casts to text, to_json) in UTC whatever the
            // server's TimeZone, so no service's output depends on how its database was set up.
            configuration.options.additionalStartupParameters = [("TimeZone", "UTC")]
            return configuration
        }
    }
}
