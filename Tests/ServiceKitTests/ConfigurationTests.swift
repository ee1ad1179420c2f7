import Foundation
import Models
import Testing

@testable import ServiceKit

@Suite struct ConfigurationTests {
    @Test func parsesADatabaseURLWithEscapesAndTLS() throws {
        let url = try DatabaseURL(parsing: "postgresql://tract%5Fauth:p%40ss%3Aword@db.internal:6543/tract?sslmode=verify-full")
        #expect(
            url
                == DatabaseURL(
                    host: "db.internal", port: 6543, username: "tract_auth", password: "p@ss:word", database: "tract", tlsMode: .verifyFull))
        #expect(url.redacted == "postgres://tract_auth:***@db.internal:6543/tract")
    }

    @Test(arguments: [
        ("mysql://u:p@h/db", "must use the postgres:// scheme"),
        ("postgres://u:p@/db", "has no host"),
        ("postgres://h:5432/db", "has no user name"),
        ("postgres://u:p@h:5432/", "must name exactly one database"),
        ("postgres://u:p@h/db?sslmode=prefer", "sslmode \"prefer\""),
        ("not a url at all", "DATABASE_URL"),
    ])
    func rejectsBadDatabaseURLsNamingTheVariable(text: String, fragment: String) {
        #expect {
            try DatabaseURL(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return message.contains("DATABASE_URL") && message.contains(fragment)
        }
    }

    @Test func defaultsMatchTheLocalSetup() throws {
        let configuration = try ServiceConfiguration.fromEnvironment(service: .investments, EnvironmentReader([:]))
        #expect(configuration.port == 8083)
        #expect(configuration.database.username == "tract_investments")
        #expect(configuration.database.port == 55432)
        #expect(configuration.events.peers["analytics"]?.absoluteString == "http://127.0.0.1:8085")
        #expect(configuration.identity.jwksURL.absoluteString == "http://127.0.0.1:8081/.well-known/jwks.json")
    }

    @Test(arguments: [
        (["PORT": "70000"], "configuration error: PORT must be between 1 and 65535, got 70000"),
        (["PORT": "eighty"], "configuration error: PORT must be a whole number, got \"eighty\""),
        (["LOG_LEVEL": "loud"], "configuration error: LOG_LEVEL must be one of"),
        (["AUTH_JWKS_URL": "ftp://x"], "configuration error: AUTH_JWKS_URL must be an http(s) URL"),
        (["DATABASE_URL": "postgres://nobody"], "configuration error: DATABASE_URL"),
    ])
    func badSettingsStopStartUpWithOneLine(environment: [String: String], expected: String) {
        #expect {
            try ServiceConfiguration.fromEnvironment(service: .auth, EnvironmentReader(environment))
        } throws: { error in
            "\(error)".hasPrefix(expected) && !"\(error)".contains("\n")
        }
    }
}
