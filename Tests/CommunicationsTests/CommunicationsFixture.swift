import Foundation
import Models
import PostgresNIO
import SMTP
import ServiceKit
import TestSupport

@testable import CommunicationsService

/// communications on a real port with a database of its own, sending to a real SMTP server
/// (the mail sink) and trusting tokens from a test issuer.
struct CommunicationsFixture: Sendable {
    let client: JSONClient
    let database: TestDatabase
    let issuer: TestIssuer
    let sink: MailSink

    static func run(
        sinkOptions: [String] = [],
        team: TeamSettings = TeamSettings(),
        _ body: @escaping @Sendable (CommunicationsFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        let sink = try MailSink(options: sinkOptions)
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.communications]) { database in
                let port = try await freePort()
                let configuration = ServiceConfiguration.forTesting(
                    .communications, database: database, jwksURL: jwksURL, port: port
                )
                let mail = MailSettings(
                    smtp: SMTPConfiguration(
                        host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example",
                        exchangeTimeout: .seconds(10)
                    ),
                    from: try EmailAddress("no-reply@tract.example", name: "Tract")
                )
                let app = try await buildApplication(
                    configuration, mail: mail, team: team, overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                try await withRunningApplication(app, port: port) {
                    try await body(CommunicationsFixture(client: JSONClient(port: port), database: database, issuer: issuer, sink: sink))
                }
            }
        }
    }

    func serviceToken(_ service: ServiceName = .auth) async throws -> String {
        try await self.issuer.serviceToken(for: service)
    }

    func sql(_ text: String) async throws -> [String] {
        try await TestDatabase.withAdmin(database: database.name) { admin in
            var values: [String] = []
            for try await row in try await admin.query(PostgresQuery(unsafeSQL: text)) {
                values.append((try? row.decode(String.self)) ?? "")
            }
            return values
        }
    }
}
