import Foundation
import Logging
import Models
import PostgresNIO
import SMTP
import ServiceKit

/// `make bench` (Benchmarks/CampaignBench, `BENCH_ONLY=campaign`): one list campaign to
/// `recipients` recipients through the real sender — claim under `FOR UPDATE SKIP LOCKED`, render
/// with tracking links and the List-Unsubscribe headers, SMTP over kept, pipelined connections,
/// commit — to the SMTP server at `smtpPort`, timed from the first claim to the campaign marked
/// sent. `package` only so the benchmark executable can call it.
package enum CampaignBenchmark {
    package static func messagesPerSecond(databaseURL: String, smtpPort: Int, recipients: Int, senders: Int) async throws -> (Double, Int) {
        let url = try DatabaseURL(parsing: databaseURL, variable: "BENCH_DATABASE_URL")
        let logger = Logger(label: "communications.campaign-bench")
        var configuration = try url.clientConfiguration
        configuration.options.maximumConnections = senders + 4
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await Self.run(client, smtpPort: smtpPort, recipients: recipients, senders: senders, logger: logger)
        }
    }

    static func run(_ client: PostgresClient, smtpPort: Int, recipients: Int, senders: Int, logger: Logger) async throws -> (Double, Int) {
        let campaign = UUID()
        let html = """
            <html><body><p>Hello {{name}},</p><p>Our <a href="https://tract.example/offerings/riverside">Riverside offering</a> is open,
            and <a href="https://tract.example/blog/q4">the Q4 letter</a> is out.</p><p><a href="{{unsubscribe_url}}">Unsubscribe</a></p></body></html>
            """
        try await client.query(
            """
            INSERT INTO communications.email_campaigns (id, name, subject, html_template, text_template, status, audience_kind, links,
                created_by, created_at, updated_at, started_at)
            VALUES (\(campaign), 'bench', 'News for {{name}}', \(html), 'Hello {{name}}, Riverside is open. Unsubscribe: {{unsubscribe_url}}',
                'sending', 'list', '["https://tract.example/offerings/riverside", "https://tract.example/blog/q4"]', gen_random_uuid(), now(), now(), now())
            """, logger: logger)
        try await client.query(
            """
            INSERT INTO communications.email_campaign_members (campaign_id, email, user_id, name)
            SELECT \(campaign), 'reader' || n || '@example.com', gen_random_uuid(), 'Reader ' || n FROM generate_series(1, \(recipients)) n
            """, logger: logger)
        var settings = CampaignSettings()
        settings.messagesPerSecond = 1_000_000
        settings.senders = senders
        let smtp = try SMTPClient(
            configuration: SMTPConfiguration(
                host: "127.0.0.1", port: smtpPort, security: .none, heloName: "tract.example", maximumConnections: senders))
        var settingsForLinks = NotificationSettings()
        settingsForLinks.publicURL = URL(string: "https://app.tract.example")!
        let notifications = settingsForLinks
        let mailer = CampaignMailer(
            smtp: smtp, from: try EmailAddress("news@tract.example", name: "Tract"),
            unsubscribeKey: UnsubscribeKey(configured: nil, postgres: client), link: { notifications.link($0) },
            unsubscribeLifetime: notifications.unsubscribeLinkLifetime)
        let sender = CampaignSender(postgres: client, mailer: mailer, audience: nil, settings: settings, clock: .system, logger: logger)
        try await sender.resolveAudiences()
        let start = ContinuousClock.now
        var status = "sending"
        while status == "sending" {
            await sender.round()
            for try await value in try await client.query(
                "SELECT status FROM communications.email_campaigns WHERE id = \(campaign)", logger: logger
            ).decode(String.self) { status = value }
        }
        let elapsed = ContinuousClock.now - start
        var sent = 0
        for try await value in try await client.query(
            "SELECT count(*)::integer FROM communications.email_sends WHERE campaign_id = \(campaign) AND status = 'sent'", logger: logger
        ).decode(Int.self) { sent = value }
        return (Double(sent) / elapsed.inSeconds, sent)
    }
}
