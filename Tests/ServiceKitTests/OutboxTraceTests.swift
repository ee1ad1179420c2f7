import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// The trace of the request that publishes an event goes with the event (issue 18): the envelope
/// in the outbox row carries the publishing span's `traceparent`, and the delivery, however much
/// later, continues that trace. This is the default, exporting nothing: only ids travel.
@Suite struct OutboxTraceTests {
    struct Delivery: Sendable {
        var header: TraceParent?
        var envelope: EventEnvelope
    }

    @Test func anEventCarriesItsRequestsTraceToTheSubscriber() async throws {
        let deliveries = NIOLockedValueBox<[Delivery]>([])
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                try await withLocalServer(Self.subscriber(recording: deliveries)) { base in
                    let fixture = OutboxTests.Fixture(
                        issuer: issuer, jwksURL: jwksURL, publisherDatabase: database, subscriberDatabase: database,
                        subscriberPort: base.port!)
                    let publisher = try await fixture.publisher(dispatching: true)
                    try await publisher.test(.router) { client async throws in
                        let caller = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
                        let created = try await client.execute(
                            uri: "/v1/widgets", method: .post,
                            headers: [.contentType: "application/json", .traceparent: caller.description],
                            body: ByteBuffer(string: #"{"name":"traced"}"#)
                        ) { $0.status }
                        #expect(created == .created)
                        // A request without a trace starts one, and its event carries that one.
                        #expect(try await OutboxTests.createWidget(client, name: "untraced") == 201)
                        #expect(try await eventually { deliveries.withLockedValue { $0.count } == 2 })

                        let stored = try await Self.storedTraceparents(database)
                        let received = deliveries.withLockedValue { $0 }
                        let traced = try #require(
                            received.first { $0.envelope.traceparent.flatMap(TraceParent.init(header:))?.traceID == caller.traceID })
                        let published = try #require(traced.envelope.traceparent.flatMap(TraceParent.init(header:)))
                        // The publishing span is the widget request's own server span: the caller's trace, a span of its own.
                        #expect(published.spanID != caller.spanID)
                        #expect(stored[traced.envelope.id] == published.description, "the outbox row keeps what was sent")
                        // The delivery's call is a new span in the same trace.
                        let header = try #require(traced.header)
                        #expect(header.traceID == caller.traceID)
                        #expect(header.spanID != published.spanID)

                        let untraced = try #require(received.first { $0.envelope.id != traced.envelope.id })
                        let started = try #require(untraced.envelope.traceparent.flatMap(TraceParent.init(header:)))
                        #expect(started.traceID != caller.traceID)
                        #expect(untraced.header?.traceID == started.traceID)
                    }
                }
            }
        }
    }

    /// A subscriber that records each delivery's `traceparent` header and envelope, and acknowledges it.
    static func subscriber(recording deliveries: NIOLockedValueBox<[Delivery]>) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("internal/events") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let envelope = try JSONDecoder.tract.decode(EventEnvelope.self, from: Data(body.readableBytesView))
            deliveries.withLockedValue {
                $0.append(Delivery(header: request.headers[.traceparent].flatMap(TraceParent.init(header:)), envelope: envelope))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"event_id":"\#(envelope.id)","outcome":"applied"}"#)))
        }
        return router
    }

    /// `traceparent` of each outbox row's envelope, by event id (as kept in the jsonb column).
    static func storedTraceparents(_ database: TestDatabase) async throws -> [UUID: String] {
        try await TestDatabase.withAdmin(database: database.name) { admin in
            var stored: [UUID: String] = [:]
            let rows = try await admin.query("SELECT event_id, envelope->>'traceparent' FROM analytics.outbox")
            for try await (id, traceparent) in rows.decode((UUID, String?).self) { stored[id] = traceparent }
            return stored
        }
    }
}
