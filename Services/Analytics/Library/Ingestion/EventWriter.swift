import Foundation
import Logging
import Models
import PostgresNIO

/// One event about to be stored (a client's or a service's).
public struct RecordedEvent: Sendable, Hashable {
    /// Campaign fields from the landing URL (`utm_source` …), each optional.
    public struct UTM: Sendable, Hashable {
        public var source: String?
        public var medium: String?
        public var campaign: String?
        public var term: String?
        public var content: String?

        public init(source: String? = nil, medium: String? = nil, campaign: String? = nil, term: String? = nil, content: String? = nil) {
            self.source = source
            self.medium = medium
            self.campaign = campaign
            self.term = term
            self.content = content
        }
    }

    /// A client's own id (its retries are idempotent by it), a domain event's envelope id, or one
    /// the server made.
    public var id: UUID
    public var name: String
    /// `client`, or the service that published the domain event.
    public var origin: String
    /// When it happened; the partition key, so it must fall inside an existing partition.
    public var occurredAt: Date
    public var receivedAt: Date
    public var userID: UUID?
    public var anonymousID: String?
    public var sessionID: String?
    public var pageURL: String?
    public var referrer: String?
    public var utm: UTM
    public var deviceType: String?
    public var os: String?
    public var browser: String?
    /// Already truncated (`203.0.113.0/24`, `2001:db8:1::/48`); never a full address.
    public var ipPrefix: String?
    public var properties: JSONValue

    public init(
        id: UUID, name: String, origin: String, occurredAt: Date, receivedAt: Date, userID: UUID? = nil, anonymousID: String? = nil,
        sessionID: String? = nil, pageURL: String? = nil, referrer: String? = nil, utm: UTM = UTM(), deviceType: String? = nil,
        os: String? = nil, browser: String? = nil, ipPrefix: String? = nil, properties: JSONValue = .object([:])
    ) {
        self.id = id
        self.name = name
        self.origin = origin
        self.occurredAt = occurredAt
        self.receivedAt = receivedAt
        self.userID = userID
        self.anonymousID = anonymousID
        self.sessionID = sessionID
        self.pageURL = pageURL
        self.referrer = referrer
        self.utm = utm
        self.deviceType = deviceType
        self.os = os
        self.browser = browser
        self.ipPrefix = ipPrefix
        self.properties = properties
    }
}

/// Stores events idempotently by id: one statement per call, whatever the number of events.
///
/// The ids go through `event_ids` first (`ON CONFLICT DO NOTHING RETURNING id`) and only the ids
/// that statement inserted reach `events`, so a redelivered domain event or a client's retried
/// batch records each event once, even when two replicas receive the same retry at once.
public struct EventWriter: Sendable {
    public init() {}

    /// Stores `events` on `connection` (call it inside a transaction to tie the events to other
    /// writes) and returns the ids newly stored; ids seen before are left out.
    public func write(_ events: [RecordedEvent], on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        let events = Self.firstOfEachID(events)
        guard !events.isEmpty else { return [] }
        var stored: Set<UUID> = []
        for try await ids in try await connection.execute(InsertEvents(columns: EventColumns(events)), logger: logger) {
            stored.formUnion(ids)
        }
        return stored
    }

    /// Stores `events` on a connection leased from `client`.
    public func write(_ events: [RecordedEvent], on client: PostgresClient, logger: Logger) async throws -> Set<UUID> {
        try await client.withConnection { connection in
            try await self.write(events, on: connection, logger: logger)
        }
    }

    /// An id twice in one call would pass `event_ids` once but join twice; the first one wins, as
    /// it would have across two calls.
    static func firstOfEachID(_ events: [RecordedEvent]) -> [RecordedEvent] {
        var seen: Set<UUID> = []
        seen.reserveCapacity(events.count)
        return events.filter { seen.insert($0.id).inserted }
    }
}

/// The one insert, prepared once per connection rather than parsed and planned for every batch
/// (a millisecond of Postgres time each). Its plan is the same hash joins either way.
///
/// PostgresNIO encodes no array with NULL elements, so optional text travels as '' and comes
/// back as NULL through NULLIF (validation turns a client's empty strings into absent ones).
/// `actor` is whom funnels count: the user, else the user an earlier `identify` linked the
/// anonymous id to, else the anonymous visitor; a service event naming neither counts for the
/// service that published it. The ids stored come back as one array, not a row each.
///
/// No CTE holds the input: `unnest` runs once for the ids and once for the rows (writing 500 rows
/// of 20 columns to a tuplestore and reading them back twice was some 8% of the statement). The
/// ids answered are `fresh`'s: `stored` always runs to completion (Postgres runs every data-modifying
/// CTE whether read or not) and inserts exactly one row per fresh id (ids are unique per call,
/// `identities` has one row per anonymous id), or the statement fails whole.
private struct InsertEvents: PostgresPreparedStatement {
    typealias Row = [UUID]

    static let name = "analytics_insert_events"

    let columns: EventColumns

    static let bindingDataTypes: [PostgresDataType] =
        [.uuidArray, .textArray, .textArray, .timestamptzArray, .timestamptzArray] + Array(repeating: .textArray, count: 15)

    static let sql = """
        WITH fresh AS (
            INSERT INTO analytics.event_ids (id, received_at)
            SELECT * FROM unnest($1::uuid[], $5::timestamptz[])
            ON CONFLICT (id) DO NOTHING
            RETURNING id
        ),
        stored AS (
            INSERT INTO analytics.events
                (id, name, origin, occurred_at, received_at, user_id, anonymous_id, actor, session_id, page_url, referrer,
                 utm_source, utm_medium, utm_campaign, utm_term, utm_content, device_type, os, browser, ip_prefix, properties)
            SELECT e.id, e.name, e.origin, e.occurred_at, e.received_at, NULLIF(e.user_id, '')::uuid, NULLIF(e.anonymous_id, ''),
                   COALESCE(NULLIF(e.user_id, ''), i.user_id::text, 'anon:' || NULLIF(e.anonymous_id, ''), 'service:' || e.origin),
                   NULLIF(e.session_id, ''), NULLIF(e.page_url, ''), NULLIF(e.referrer, ''),
                   NULLIF(e.utm_source, ''), NULLIF(e.utm_medium, ''), NULLIF(e.utm_campaign, ''), NULLIF(e.utm_term, ''),
                   NULLIF(e.utm_content, ''), NULLIF(e.device_type, ''), NULLIF(e.os, ''), NULLIF(e.browser, ''),
                   NULLIF(e.ip_prefix, '')::cidr, e.properties::jsonb
            FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                AS e(id, name, origin, occurred_at, received_at, user_id, anonymous_id, session_id, page_url, referrer,
                     utm_source, utm_medium, utm_campaign, utm_term, utm_content, device_type, os, browser, ip_prefix, properties)
            JOIN fresh USING (id)
            LEFT JOIN analytics.identities i ON i.anonymous_id = NULLIF(e.anonymous_id, '')
        )
        SELECT COALESCE(array_agg(id), '{}') FROM fresh
        """

    func makeBindings() throws -> PostgresBindings {
        let c = self.columns
        var bindings = PostgresBindings(capacity: 20)
        bindings.append(c.ids)
        for texts in [c.names, c.origins] { bindings.append(texts) }
        bindings.append(c.occurredAt)
        bindings.append(c.receivedAt)
        for texts in [
            c.userIDs, c.anonymousIDs, c.sessionIDs, c.pageURLs, c.referrers, c.utmSources, c.utmMediums, c.utmCampaigns, c.utmTerms,
            c.utmContents, c.deviceTypes, c.oses, c.browsers, c.ipPrefixes, c.properties,
        ] {
            bindings.append(texts)
        }
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> [UUID] { try row.decode([UUID].self) }
}

/// The events turned inside out: one array per column, in the same order.
private struct EventColumns: Sendable {
    var ids: [UUID] = []
    var names: [String] = []
    var origins: [String] = []
    var occurredAt: [Date] = []
    var receivedAt: [Date] = []
    var userIDs: [String] = []
    var anonymousIDs: [String] = []
    var sessionIDs: [String] = []
    var pageURLs: [String] = []
    var referrers: [String] = []
    var utmSources: [String] = []
    var utmMediums: [String] = []
    var utmCampaigns: [String] = []
    var utmTerms: [String] = []
    var utmContents: [String] = []
    var deviceTypes: [String] = []
    var oses: [String] = []
    var browsers: [String] = []
    var ipPrefixes: [String] = []
    var properties: [String] = []

    init(_ events: [RecordedEvent]) {
        for event in events {
            self.ids.append(event.id)
            self.names.append(event.name)
            self.origins.append(event.origin)
            self.occurredAt.append(event.occurredAt)
            self.receivedAt.append(event.receivedAt)
            self.userIDs.append(event.userID?.uuidString.lowercased() ?? "")
            self.anonymousIDs.append(event.anonymousID ?? "")
            self.sessionIDs.append(event.sessionID ?? "")
            self.pageURLs.append(event.pageURL ?? "")
            self.referrers.append(event.referrer ?? "")
            self.utmSources.append(event.utm.source ?? "")
            self.utmMediums.append(event.utm.medium ?? "")
            self.utmCampaigns.append(event.utm.campaign ?? "")
            self.utmTerms.append(event.utm.term ?? "")
            self.utmContents.append(event.utm.content ?? "")
            self.deviceTypes.append(event.deviceType ?? "")
            self.oses.append(event.os ?? "")
            self.browsers.append(event.browser ?? "")
            self.ipPrefixes.append(event.ipPrefix ?? "")
            self.properties.append(PropertiesJSON.text(event.properties))
        }
    }
}
