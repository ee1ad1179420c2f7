import CommunicationsService
import Foundation
import Logging
import SMTP
import SMTPSink

// `make bench` (scripts/bench.sh, BENCH_ONLY=campaign): campaign mails per second to a local SMTP
// sink, beside the ceiling of the same SMTP path without the campaign (pre-built messages, no
// database, no rendering) to the same kind of sink, in the same run. The sink is NIO and only
// counts, so neither number is Python's.
let environment = ProcessInfo.processInfo.environment
let url = environment["BENCH_DATABASE_URL"] ?? "postgres://tract_communications:tract_communications_local@127.0.0.1:55432/tract_bench"
let recipients = Int(environment["BENCH_CAMPAIGN_RECIPIENTS"] ?? "20000") ?? 20_000
let senders = Int(environment["BENCH_CAMPAIGN_SENDERS"] ?? "8") ?? 8
let logger = Logger(label: "campaign-bench")

/// The sink's ceiling: as many messages as the campaign sends, `senders` connections, 64 in flight.
func ceiling(count: Int) async throws -> Double {
    let sink = try await CountingSMTPSink(keepMessages: false)
    defer { Task { await sink.close() } }
    let client = try SMTPClient(
        configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example", maximumConnections: senders))
    let body = String(repeating: "Hello reader, Riverside is open and the Q4 letter is out.\n", count: 20)
    let email = Email(
        from: try EmailAddress("news@tract.example", name: "Tract"), to: [try EmailAddress("reader@example.com")], subject: "News",
        textBody: body, htmlBody: "<p>" + body + "</p>")
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        for _ in 0..<64 {
            next += 1
            group.addTask { try await client.send(email, logger: logger) }
        }
        while try await group.next() != nil {
            if next < count {
                next += 1
                group.addTask { try await client.send(email, logger: logger) }
            }
        }
    }
    let elapsed = ContinuousClock.now - start
    return Double(sink.count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

let sink = try await CountingSMTPSink(keepMessages: false)
let (campaignRate, sent) = try await CampaignBenchmark.messagesPerSecond(
    databaseURL: url, smtpPort: sink.port, recipients: recipients, senders: senders)
await sink.close()
let ceilingRate = try await ceiling(count: recipients)
print("campaign to \(recipients) recipients, \(senders) senders and SMTP connections (goal: >= 1000/s)")
func row(_ name: String, _ value: String) { print(name.padding(toLength: 56, withPad: " ", startingAt: 0) + value) }
row("measurement", "msgs/s")
row("campaign: claim, render, SMTP, commit (\(sent) sent)", String(format: "%.0f", campaignRate))
row("ceiling: same SMTP client and sink, no campaign", String(format: "%.0f", ceilingRate))
print(String(format: "campaign / ceiling: %.2f", campaignRate / ceilingRate))
