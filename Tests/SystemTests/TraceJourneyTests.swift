import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Issue 18, "Observability": one user action is one trace across the services. Real processes
/// export their spans over OTLP/HTTP to a receiver in this test, as they would to a collector.
@Suite(.serialized) struct TraceJourneyTests {
    @Test func committingAnInvestmentThroughTheGatewayIsOneTraceAcrossInvestmentsTheOutboxAndCommunications() async throws {
        let receiver = OTLPReceiver()
        try await withLocalServer(receiver.router) { otlp in
            let export = [
                "OTEL_EXPORTER_OTLP_ENDPOINT": otlp.absoluteString,
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
                // Batches leave every 100 ms instead of every 5 s.
                "OTEL_BSP_SCHEDULE_DELAY": "100",
            ]
            try await RunningSuite.with([.auth, .communications, .investments, .properties], environment: export) { suite in
                try await GatewayProcess.with(suite) { gateway in
                    try await Self.commitAndFollowTheTrace(suite, gateway: gateway, receiver: receiver)
                }
            }
        }
    }

    static func commitAndFollowTheTrace(_ suite: RunningSuite, gateway: String, receiver: OTLPReceiver) async throws {
        let pending = try await InvestorMailJourneyTests.pendingInvestment(suite, properties: gateway, investments: gateway)
        let (investor, investment) = (pending.investor, pending.investmentID)

        // The request under test: no traceparent from the client, so investments starts the trace.
        let committed = try await SystemClient.send(
            .POST, "\(gateway)/v1/investments/\(investment)/commit", token: investor.token, idempotencyKey: UUID().uuidString)
        try #require(committed.status == 200, "\(committed.text)")
        let mail = try await suite.sink.waitForMessage(to: investor.email, subjectPrefix: "Your $50,000.00", timeout: .seconds(30))
        #expect(mail.subject == "Your $50,000.00 commitment is confirmed")

        // The chain, from the commit request down to communications handling its event.
        typealias Span = OTLPReceiver.ReceivedSpan
        var chain: (commit: Span, delivery: Span, call: Span, inbox: Span, handling: Span)?
        let found = try await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            let spans = receiver.spans
            guard
                let commit = spans.first(where: {
                    $0.service == "tract-investments" && $0.kind == 2 && $0.name.hasPrefix("POST /v1/investments/")
                        && $0.name.hasSuffix("/commit") && $0.attributes["http.response.status_code"] == "200"
                }),
                let delivery = spans.first(where: {
                    $0.service == "tract-investments" && $0.name == "deliver investment.committed"
                        && $0.attributes["messaging.destination.name"] == "communications" && $0.traceID == commit.traceID
                }),
                let call = spans.first(where: { $0.service == "tract-investments" && $0.kind == 3 && $0.parentSpanID == delivery.spanID }),
                let inbox = spans.first(where: { $0.service == "tract-communications" && $0.kind == 2 && $0.parentSpanID == call.spanID }),
                let handling = spans.first(where: { $0.service == "tract-communications" && $0.parentSpanID == inbox.spanID })
            else { return false }
            chain = (commit, delivery, call, inbox, handling)
            return true
        }
        let seen = receiver.spans.map(\.description).joined(separator: "\n")
        try #require(found, "no commit → delivery → call → inbox → handling chain among:\n\(seen)\nrefused: \(receiver.failures)")
        let (commit, delivery, call, inbox, handling) = try #require(chain)

        // One trace, started by investments' server span (the gateway adds no span of its own).
        #expect(commit.parentSpanID == nil, "\(commit)")
        #expect(Set([commit, delivery, call, inbox, handling].map(\.traceID)).count == 1)
        // The delivery continues the request that published the event, though it runs after it.
        #expect(delivery.parentSpanID == commit.spanID)
        #expect(delivery.kind == 4)
        #expect(call.name == "POST" && call.attributes["url.path"] == "/internal/events", "\(call) \(call.attributes)")
        #expect(inbox.name == "POST /internal/events")
        #expect(handling.name == "handle investment.committed" && handling.kind == 5, "\(handling)")
        #expect(handling.attributes["tract.event.outcome"] == "applied", "\(handling.attributes)")
    }
}
