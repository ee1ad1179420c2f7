import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/videos` and `/v1/properties/{id}/virtual-tours` (seed 001 §2.7
/// `property_videos`, `virtual_tours`): metadata records pointing at hosted videos and tours
/// (Matterport, 360° photos). Readable by whoever sees the property; written by its editors.
/// Writes go through `jsonb_populate_record`, as listings' do: a `PATCH` is the stored row with
/// the keys sent laid over it.
struct ListingMediaRoutes: Sendable {
    let store: ListingMediaStore
    let gate: PropertyGate
    let rules: ListingMediaRules

    func addRoutes(to router: Router<TractRequestContext>) {
        self.add(VideoFields.self, to: router)
        self.add(TourFields.self, to: router)
    }

    private func add<Fields: ListingMediaFields>(_ kind: Fields.Type, to router: Router<TractRequestContext>) {
        let path = "v1/properties/:id/\(Fields.path)"
        router.get(RouterPath(path)) { request, context -> JSONDocument in
            let access = PropertyAccess(identity: context.identity)
            let property = try await self.gate.readable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
            return try await self.store.list(Fields.self, property: property.id, query: request.uri.queryParameters, logger: context.logger)
        }
        let owned = router.group(RouterPath(path), context: AuthenticatedContext.self)
        owned.post { request, context -> JSONDocument in
            let property = try await self.editable(context)
            let fields = try await request.decode(as: Fields.self, context: context)
            let errors = fields.problems(creating: true, rules: self.rules)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            try await self.store.checkFloorPlan(fields.floorPlanReference, property: property.id, logger: context.logger)
            let json = try await self.store.create(fields, property: property.id, by: try PhotoRoutes.userID(context.identity), logger: context.logger)
            return JSONDocument(json, status: .created)
        }
        owned.patch(":item_id") { request, context -> JSONDocument in
            let property = try await self.editable(context)
            let fields = try await request.decode(as: Fields.self, context: context)
            let errors = fields.problems(creating: false, rules: self.rules)
            guard errors.isEmpty else { throw Problem.validation(errors) }
            try await self.store.checkFloorPlan(fields.floorPlanReference, property: property.id, logger: context.logger)
            return JSONDocument(
                try await self.store.update(fields, id: try context.parameters.uuid("item_id", Fields.noun), property: property.id, logger: context.logger)
            )
        }
        owned.delete(":item_id") { _, context -> HTTPResponse.Status in
            let property = try await self.editable(context)
            try await self.store.delete(Fields.self, id: try context.parameters.uuid("item_id", Fields.noun), property: property.id, logger: context.logger)
            return .noContent
        }
    }

    private func editable(_ context: AuthenticatedContext) async throws -> Property {
        try await self.gate.editable(
            try context.parameters.uuid("id", "property"), access: PropertyAccess(identity: context.identity), logger: context.logger
        )
    }
}

/// What the service's settings add to the field rules.
struct ListingMediaRules: Sendable {
    var tourHosts = TourHosts()
}

/// What a client writes about a video or a tour.
protocol ListingMediaFields: Codable, Sendable {
    /// The path segment under a property, the table and its JSON function.
    static var path: String { get }
    static var table: String { get }
    static var documentFunction: String { get }
    static var noun: String { get }
    /// JSON keys that are decoded (to be refused with a reason) but are no column to write.
    static var readOnlyKeys: Set<String> { get }
    func problems(creating: Bool, rules: ListingMediaRules) -> [ProblemDetails.FieldError]
    /// The fields of a new record with the columns' defaults filled in (NOT NULL columns).
    func withDefaults() -> Self
    /// A floor plan the record points at, which must be one of the same property's.
    var floorPlanReference: UUID? { get }
}

extension ListingMediaFields {
    static var readOnlyKeys: Set<String> { [] }
    var floorPlanReference: UUID? { nil }
}

struct VideoFields: ListingMediaFields {
    static let path = "videos"
    static let table = "media.property_videos"
    static let documentFunction = "media.video_document"
    static let noun = "video"

    var title: String?
    var description: String?
    var fileUrl: String?
    var streamingUrl: String?
    var thumbnailUrl: String?
    var videoType: String?
    var durationSeconds: Int?
    var resolution: String?
    var fileSize: Int?
    var status: String?

    func withDefaults() -> VideoFields {
        var fields = self
        fields.status = fields.status ?? "active"
        return fields
    }

    func problems(creating: Bool, rules: ListingMediaRules) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        errors.text("title", self.title, max: 255)
        errors.text("description", self.description, max: 5000, multiline: true)
        errors.url("file_url", self.fileUrl)
        errors.url("streaming_url", self.streamingUrl)
        errors.url("thumbnail_url", self.thumbnailUrl)
        if creating, self.fileUrl == nil, self.streamingUrl == nil { errors.add("streaming_url", "or file_url is required") }
        errors.oneOf("video_type", self.videoType, ["walkthrough", "aerial", "testimonial", "update"])
        errors.range("duration_seconds", self.durationSeconds, 0...86_400)
        errors.text("resolution", self.resolution, max: 20)
        errors.range("file_size", self.fileSize, 0...(1 << 50))
        errors.oneOf("status", self.status, ["processing", "active", "archived"])
        return errors.all
    }
}

struct TourFields: ListingMediaFields {
    static let path = "virtual-tours"
    static let table = "media.virtual_tours"
    static let documentFunction = "media.tour_document"
    static let noun = "virtual tour"
    /// Built by the service from `tour_url` or `matterport_id` (`media.tour_embed`); a client's HTML
    /// is never stored or served.
    static let readOnlyKeys: Set<String> = ["embed_code"]

    var floorPlanId: UUID?
    var tourType: String?
    var tourUrl: String?
    var embedCode: String?
    var matterportId: String?
    var matterportSdkKey: String?
    var hasMeasurements: Bool?
    var hasFloorPlan: Bool?
    var hasDollhouse: Bool?

    func withDefaults() -> TourFields {
        var fields = self
        fields.hasMeasurements = fields.hasMeasurements ?? false
        fields.hasFloorPlan = fields.hasFloorPlan ?? false
        fields.hasDollhouse = fields.hasDollhouse ?? false
        return fields
    }

    var floorPlanReference: UUID? { self.floorPlanId }

    func problems(creating: Bool, rules: ListingMediaRules) -> [ProblemDetails.FieldError] {
        var errors = FieldErrors()
        if creating, self.tourType == nil { errors.add("tour_type", "is required") }
        errors.oneOf("tour_type", self.tourType, ["matterport", "360_photos", "video"])
        if let url = self.tourUrl, let problem = rules.tourHosts.problem(with: url) { errors.add("tour_url", problem) }
        if self.embedCode != nil { errors.add("embed_code", "is built by the service; send the tour's https URL as tour_url") }
        // The id goes into https://my.matterport.com/show/?m=…, so it is a model id and nothing else.
        if let id = self.matterportId, id.wholeMatch(of: /[A-Za-z0-9]{1,100}/) == nil {
            errors.add("matterport_id", "must be a Matterport model id: 1 to 100 letters and digits")
        }
        errors.text("matterport_sdk_key", self.matterportSdkKey, max: 100)
        if creating, self.tourUrl == nil, self.matterportId == nil {
            errors.add("tour_url", "or matterport_id is required")
        }
        return errors.all
    }
}

struct ListingMediaStore: Sendable {
    let postgres: PostgresClient

    /// The writable columns: the fields' JSON keys.
    static func columns<Fields: ListingMediaFields>(_ kind: Fields.Type) throws -> [String] {
        // Every key, present or not: encode a value with all keys set through a mirror of names.
        Mirror(reflecting: try JSONDecoder.tract.decode(Fields.self, from: Data("{}".utf8))).children.compactMap(\.label).map(Problem.snakeCaseKey)
            .filter { !Fields.readOnlyKeys.contains($0) }
    }

    /// 422 naming `floor_plan_id` unless it is a live floor plan of `property`.
    func checkFloorPlan(_ floorPlan: UUID?, property: UUID, logger: Logger) async throws {
        guard let floorPlan else { return }
        let rows = try await self.postgres.query(
            """
            SELECT EXISTS (
                SELECT FROM properties.floor_plans WHERE id = \(floorPlan) AND property_id = \(property) AND deleted_at IS NULL
            )
            """,
            logger: logger
        )
        for try await exists in rows.decode(Bool.self) where exists { return }
        throw Problem.validation(field: "floor_plan_id", "must be a floor plan of this property")
    }

    func create<Fields: ListingMediaFields>(_ fields: Fields, property: UUID, by user: UUID, logger: Logger) async throws -> String {
        let columns = try Self.columns(Fields.self).joined(separator: ", ")
        let json = String(decoding: try JSONEncoder.tract.encode(fields.withDefaults()), as: UTF8.self)
        let rows = try await self.postgres.query(
            """
            INSERT INTO \(unescaped: Fields.table) AS t (id, property_id, created_by, \(unescaped: columns))
            SELECT \(UUIDv7.make()), \(property), \(user), \(unescaped: columns)
            FROM jsonb_populate_record(NULL::\(unescaped: Fields.table), \(json)::jsonb)
            RETURNING \(unescaped: Fields.documentFunction)(t)::text
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.conflict("The record was not written; try again.")
    }

    func update<Fields: ListingMediaFields>(_ fields: Fields, id: UUID, property: UUID, logger: Logger) async throws -> String {
        let columns = try Self.columns(Fields.self).joined(separator: ", ")
        let json = String(decoding: try JSONEncoder.tract.encode(fields), as: UTF8.self)
        do {
            let rows = try await self.postgres.query(
                """
                UPDATE \(unescaped: Fields.table) AS t SET (\(unescaped: columns)) = (
                    SELECT \(unescaped: columns) FROM jsonb_populate_record(t, \(json)::jsonb)
                ), updated_at = now()
                WHERE id = \(id) AND property_id = \(property) AND deleted_at IS NULL
                RETURNING \(unescaped: Fields.documentFunction)(t)::text
                """,
                logger: logger
            )
            for try await text in rows.decode(String.self) { return text }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23514" {
            // A check across fields (a video needs a URL) that the change would break.
            throw Problem.validation(field: "body", "would leave the \(Fields.noun) without a URL")
        }
        throw Problem.notFound("No \(Fields.noun) has this id.")
    }

    func delete<Fields: ListingMediaFields>(_ kind: Fields.Type, id: UUID, property: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            """
            UPDATE \(unescaped: Fields.table) SET deleted_at = now(), updated_at = now()
            WHERE id = \(id) AND property_id = \(property) AND deleted_at IS NULL RETURNING id
            """,
            logger: logger
        )
        for try await _ in rows { return }
        throw Problem.notFound("No \(Fields.noun) has this id.")
    }

    /// Oldest first, `?limit=&cursor=` (ids are UUIDv7, so id order is creation order).
    func list<Fields: ListingMediaFields>(_ kind: Fields.Type, property: UUID, query: Parameters, logger: Logger) async throws -> JSONDocument {
        let limit = try PageRequest.parseLimit(from: query)
        let after = try query["cursor"].map { try KeysetCursor(encoded: String($0), sort: "oldest").id }
        let rows = try await self.postgres.query(
            """
            SELECT \(unescaped: Fields.documentFunction)(t)::text, t.id FROM \(unescaped: Fields.table) t
            WHERE property_id = \(property) AND deleted_at IS NULL AND (\(after)::uuid IS NULL OR id > \(after))
            ORDER BY id LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var found: [(String, UUID)] = []
        for try await row in rows.decode((String, UUID).self) { found.append(row) }
        let shown = found.prefix(limit)
        let next = found.count > limit ? shown.last.map { KeysetCursor(sort: "oldest", key: "", id: $0.1).encoded } : nil
        return JSONDocument.page(shown.map(\.0), nextCursor: next)
    }
}

extension Problem {
    /// `streamingUrl` → `streaming_url`.
    static func snakeCaseKey(_ name: String) -> String {
        name.reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
