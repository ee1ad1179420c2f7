import Foundation
import HummingbirdTesting
import Logging
import Models
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// `EventHandlers.onEvery`: a subscriber that keeps everything it is sent gets each type without a
/// handler of its own, once per event id; a type with its own handler never reaches it.
@Suite struct EventInboxCatchAllTests {
    @Test func theCatchAllTakesEveryTypeWithoutItsOwnHandlerOncePerEvent() async throws {
        try await TestDatabase.with(services: [.analytics]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                // The kit's tables (and the fixture's received_widgets), migrated as the service does it.
                let app = try await buildServiceApplication(
                    .forTesting(.analytics, database: database, jwksURL: jwksURL),
                    definition: FixtureService.definition,
                    overrides: ServiceOverrides(runsOutboxDispatcher: false)
                )
                try await app.test(.router) { _ in }
            }
            let caught = NIOLockedValueBox<[String]>([])
            var handlers = EventHandlers()
            handlers.on(WidgetCreated.self) { event, envelope, connection, logger in
                try await connection.query(
                    "INSERT INTO analytics.received_widgets (event_id, widget_id) VALUES (\(envelope.id), \(event.widgetId))",
                    logger: logger
                )
            }
            handlers.onEvery { envelope, _, _ in caught.withLockedValue { $0.append(envelope.type) } }
            var plain = EventHandlers()
            plain.on(WidgetCreated.self) { _, _, _, _ in }

            try await TestDatabase.withClient(database.url(for: .analytics)) { client async throws in
                let logger = Logger(label: "test.inbox")
                let inbox = EventInbox(client: client, schema: "analytics", handlers: handlers, accepts: { _, _ in true })
                let widget = EventEnvelope(
                    id: UUID(), type: WidgetCreated.eventType, source: "analytics", occurredAt: Date(),
                    payload: .object(["widget_id": .string(UUID().uuidString), "name": .string("gear")])
                )
                let other = EventEnvelope(id: UUID(), type: "test.gadget_moved", source: "analytics", occurredAt: Date(), payload: .object([:]))

                #expect(try await inbox.receive(widget, logger: logger) == .applied)
                #expect(caught.withLockedValue { $0 } == [])
                #expect(try await inbox.receive(other, logger: logger) == .applied)
                #expect(try await inbox.receive(other, logger: logger) == .duplicate)
                #expect(caught.withLockedValue { $0 } == ["test.gadget_moved"])

                // Without a catch-all, a type nobody handles is recorded and ignored, as before.
                let withoutCatchAll = EventInbox(client: client, schema: "analytics", handlers: plain, accepts: { _, _ in true })
                let third = EventEnvelope(id: UUID(), type: "test.gadget_moved", source: "analytics", occurredAt: Date(), payload: .object([:]))
                #expect(try await withoutCatchAll.receive(third, logger: logger) == .ignored)
            }
        }
    }
}
