import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// A small service built with the kit the way real ones are, whose routes exercise the kit:
/// body decoding, errors, identity, the outbox and the inbox.
struct WidgetCreated: DomainEvent {
    static let eventType = "test.widget_created"
    var widgetId: UUID
    var name: String
}

struct EchoRequest: Codable, ResponseEncodable {
    struct Address: Codable {
        var zip: String
    }

    enum Kind: String, Codable { case plain, fancy }

    var name: String
    var count: Int
    var address: Address?
    var kind: Kind?
    var reference: UUID?
    var rate: Decimal?
    var rates: [String: Decimal]?
}

struct WhoAmI: Codable, ResponseEncodable {
    var subject: String?
    var roles: [String]
}

enum FixtureService {
    /// The fixture's one event route: it publishes widget events to itself (it runs as `analytics`).
    static let widgetRoute: @Sendable (String) -> [String] = { $0 == WidgetCreated.eventType ? ["analytics"] : [] }

    static var definition: ServiceDefinition {
        var handlers = EventHandlers()
        handlers.on(WidgetCreated.self) { event, envelope, connection, logger in
            try await connection.query(
                "INSERT INTO analytics.received_widgets (event_id, widget_id) VALUES (\(envelope.id), \(event.widgetId))",
                logger: logger
            )
        }
        return ServiceDefinition(
            name: .analytics, bundle: .module, eventHandlers: { [handlers] _ in handlers },
            routes: { router, dependencies in
                router.post("v1/echo") { request, context in
                    try await request.decode(as: EchoRequest.self, context: context)
                }
                // As the property parts do: read a tree, merge or check keys, then decode the whole.
                router.post("v1/echo-tree") { request, context in
                    let tree = try await request.decode(as: JSONValue.self, context: context)
                    return try RequestJSON.decode(EchoRequest.self, from: tree)
                }
                // JSON the service stored itself that no longer reads: the server's fault, not the client's.
                router.get("v1/stored-garbage") { _, _ -> EchoRequest in
                    try JSONDecoder.tract.decode(EchoRequest.self, from: Data(#"{"name": 1}"#.utf8))
                }
                router.get("v1/search") { request, _ -> String in
                    String(request.uri.queryParameters["q"] ?? "")
                }
                router.get("v1/boom") { _, context -> String in
                    // A bug that surfaces as a database error: the client must learn nothing of it.
                    try await dependencies.postgres.query("SELECT * FROM no_such_table_secret_name", logger: context.logger)
                    return "unreachable"
                }
                router.get("v1/whoami") { _, context in
                    WhoAmI(subject: context.identity?.subject, roles: context.identity?.roles.map(\.rawValue).sorted() ?? [])
                }
                router.group("v1/admin-only", context: AuthenticatedContext.self).get { _, context in
                    try context.identity.requireRole(.admin)
                    return WhoAmI(subject: context.identity.subject, roles: context.identity.roles.map(\.rawValue).sorted())
                }
                router.post("v1/widgets") { request, context -> HTTPResponse.Status in
                    struct NewWidget: Decodable {
                        var name: String
                    }
                    let widget = try await request.decode(as: NewWidget.self, context: context)
                    let failAfterPublishing = request.uri.queryParameters["fail"] == "true"
                    let id = UUIDv7.make()
                    try await dependencies.postgres.transaction(logger: context.logger) { connection in
                        try await connection.query(
                            "INSERT INTO analytics.widgets (id, name) VALUES (\(id), \(widget.name))",
                            logger: context.logger
                        )
                        try await dependencies.outbox.publish(
                            WidgetCreated(widgetId: id, name: widget.name),
                            on: connection,
                            logger: context.logger
                        )
                        if failAfterPublishing { throw Problem.conflict("Refused after publishing, to test rollback.") }
                    }
                    return .created
                }
            })
    }
}
