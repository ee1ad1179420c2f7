import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `POST /v1/analytics/events` and `/batch`, open to anonymous visitors (limited per address)
/// and to signed-in users, whose user comes from the token only; `POST /v1/analytics/identify`
/// joins a visitor's anonymous events to the user who just signed in.
struct IngestionController: RouteController {
    let store: IngestionStore
    let limiter: RateLimiter
    let settings: IngestionSettings
    let trustedProxies: TrustedProxies
    let clock: ServiceClock
    let ids: IDGenerator

    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .post("events", use: self.event)
            .post("batch", use: self.batch)
    }

    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("identify", use: self.identify)
    }

    /// One event: 202 when kept (or a retry of one kept before), 422 naming its bad fields.
    @Sendable func event(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let item = try await self.body(request, context: context)
        let receipt = try await self.ingest([item], prefix: { _ in "" }, request: request, context: context)
        if !receipt.errors.isEmpty { throw Problem.validation(receipt.errors) }
        return try Self.document(receipt)
    }

    /// Up to 500 events: each item checked alone, the valid ones kept, the others named by index.
    @Sendable func batch(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        var body = try BodyFields(try await self.body(request, context: context), allowed: ["events"], required: ["events"])
        guard case .array(let items)? = body.value("events"), (1...IngestionSettings.maximumBatchEvents).contains(items.count) else {
            body.add("events", "must be an array of 1 to \(IngestionSettings.maximumBatchEvents) events; send more in several batches")
            try body.check()
            return JSONDocument("{}")
        }
        try body.check()
        let receipt = try await self.ingest(items, prefix: { "events[\($0)]." }, request: request, context: context)
        if receipt.rejected == items.count {
            throw Problem.validation(receipt.errors, detail: "None of the \(items.count) events was valid.")
        }
        return try Self.document(receipt)
    }

    /// Links the body's `anonymous_id` to the signed-in user; their earlier events join the user's
    /// journey. An id already linked to someone else is a 409: one visitor, one person.
    @Sendable func identify(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let user = try context.identity.requireUser("Only a signed-in user can be identified.")
        var body = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["anonymous_id"])
        let anonymousID = body.text("anonymous_id", max: 64, required: true)
        try body.check()
        guard let anonymousID else { throw Problem.validation(field: "anonymous_id", "is required") }
        let link = try await DatabaseOutage.mapping {
            try await self.store.identify(anonymousID, as: user, at: self.clock.now, logger: context.logger)
        }
        switch link {
        case .linkedToAnotherUser:
            throw Problem.conflict("This anonymous id is already linked to another user.")
        case .linked(let rewritten):
            let answer = IdentifyAnswer(anonymousId: anonymousID, userId: user.uuidString.lowercased(), eventsJoined: rewritten)
            return JSONDocument(String(decoding: try JSONEncoder.tract.encode(answer), as: UTF8.self))
        }
    }

    /// The JSON body, read at most 1 MiB whatever `MAX_BODY_BYTES` allows other routes (413 past it).
    private func body(_ request: Request, context: TractRequestContext) async throws -> JSONValue {
        var context = context
        context.bodyLimit = min(context.bodyLimit, IngestionSettings.maximumBatchBytes)
        return try await request.decode(as: JSONValue.self, context: context)
    }

    private func ingest(
        _ items: [JSONValue], prefix: (Int) -> String, request: Request, context: TractRequestContext
    ) async throws -> IngestionReceipt {
        let user = context.identity?.userID
        let address = ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies)
        if user == nil {
            try await DatabaseOutage.mapping {
                try await self.limiter.take(
                    "events", for: address ?? "unknown", bucket: self.settings.anonymousRequestsPerIP, logger: context.logger)
            }
        }
        var receipt = IngestionReceipt()
        receipt.ids = Array(repeating: nil, count: items.count)
        let agent = UserAgent(parsing: request.headers[.userAgent])
        if agent.isBot {
            receipt.dropped = items.count
            return receipt
        }
        let names = Set(items.compactMap { item -> String? in if case .string(let name)? = item["name"] { name } else { nil } })
        let (allowed, months) = try await DatabaseOutage.mapping { try await self.store.lookup(names: names, logger: context.logger) }
        let intake = EventIntake(
            userID: user, receivedAt: self.clock.now, maximumAge: self.settings.maximumAge, allowedNames: allowed, months: months,
            agent: agent, ipPrefix: IPPrefix.of(address)
        )
        var events: [(index: Int, event: RecordedEvent)] = []
        for (index, item) in items.enumerated() {
            switch intake.read(item, prefix: prefix(index), newID: self.ids.next) {
            case .success(let event): events.append((index, event))
            case .failure(let rejection):
                receipt.rejected += 1
                receipt.errors += rejection.errors
            }
        }
        let stored = try await DatabaseOutage.mapping {
            try await self.store.store(events.map(\.event), today: self.clock.now, logger: context.logger)
        }
        var counted: Set<UUID> = []
        for (index, event) in events {
            receipt.ids[index] = event.id.uuidString.lowercased()
            // An id sent twice in one batch is stored once: the second is its duplicate.
            if stored.contains(event.id) && counted.insert(event.id).inserted {
                receipt.accepted += 1
            } else {
                receipt.duplicates += 1
            }
        }
        DomainMetrics.eventsIngested(receipt.accepted)
        return receipt
    }

    private static func document(_ receipt: IngestionReceipt) throws -> JSONDocument {
        JSONDocument(try receipt.json(), status: .accepted)
    }
}

struct IdentifyAnswer: Codable, Sendable {
    var anonymousId: String
    var userId: String
    /// Earlier events of the visitor moved to the user's journey by this call.
    var eventsJoined: Int
}
