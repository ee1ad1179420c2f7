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
/// Rows of a property kept by the kit's `RecordStore`: documents by `media.video_document` /
/// `media.tour_document`, writes through `jsonb_populate_record`; a `PATCH` is the stored record
/// with the keys sent laid over it. Mounted once per kind at its literal path.
struct ListingMediaController<Fields: ListingMediaFields>: RouteController {
    let records: RecordStore
    let gate: PropertyGate
    let rules: ListingMediaRules

    init(postgres: PostgresClient, ids: IDGenerator, gate: PropertyGate, rules: ListingMediaRules) throws {
        self.records = RecordStore(try Fields.kind(), postgres: postgres, ids: ids)
        self.gate = gate
        self.rules = rules
    }

    /// Oldest first (ids are UUIDv7, so id order is creation order).
    static var order: Keyset { Keyset(Fields.table, key: "x.id", type: "uuid", descending: false) }

    /// Routes anonymous callers may reach too.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.list)
    }

    /// Routes for the property's editors (401 without a token).
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create)
            .patch(":item_id", use: self.update).delete(":item_id", use: self.delete)
    }

    @Sendable func list(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let page = try PageRequest(request, order: Self.order)
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.readable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        return try await self.records.list([RecordParent("property_id", property.id)], page: page, logger: context.logger)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.editable(context)
        let fields = try await request.decode(as: Fields.self, context: context)
        var errors = FieldErrors()
        errors.add(contentsOf: fields.problems(creating: true, rules: self.rules))
        try errors.check()
        try await self.checkFloorPlan(fields.floorPlanReference, property: property.id, logger: context.logger)
        let user = try context.identity.requireUser("Only users change listing media.")
        let (document, _) = try await self.records.create(
            [RecordParent("property_id", property.id)], values: try Self.values(fields.withDefaults()),
            also: ["created_by": .string(user.uuidString)], logger: context.logger
        )
        return JSONDocument(document, status: .created)
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let property = try await self.editable(context)
        let fields = try await request.decode(as: Fields.self, context: context)
        var errors = FieldErrors()
        errors.add(contentsOf: fields.problems(creating: false, rules: self.rules))
        try errors.check()
        try await self.checkFloorPlan(fields.floorPlanReference, property: property.id, logger: context.logger)
        let id = try context.parameters.uuid("item_id", Fields.noun)
        let sent = JSONValue.object(try Self.values(fields))
        let columns = self.records.kind.columns
        let document = try await self.records.update(id, [RecordParent("property_id", property.id)], logger: context.logger) { stored in
            guard case .object(let merged) = try BodyFields.merging(sent, over: stored, writable: columns) else { return [:] }
            return merged
        }
        return JSONDocument(document)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let property = try await self.editable(context)
        try await self.records.delete(
            try context.parameters.uuid("item_id", Fields.noun), [RecordParent("property_id", property.id)], logger: context.logger)
        return .noContent
    }

    private func editable(_ context: AuthenticatedContext) async throws -> Property {
        try await self.gate.editable(
            try context.parameters.uuid("id", "property"), access: PropertyAccess(identity: context.identity), logger: context.logger
        )
    }

    /// 422 naming `floor_plan_id` unless it is a live floor plan of `property`.
    private func checkFloorPlan(_ floorPlan: UUID?, property: UUID, logger: Logger) async throws {
        guard let floorPlan else { return }
        let rows = try await self.records.postgres.query(
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

    /// The keys the client sent (nil ones are left out), as column values.
    static func values(_ fields: Fields) throws -> [String: JSONValue] {
        guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder.tract.encode(fields)) else { return [:] }
        return object.filter { !Fields.readOnlyKeys.contains($0.key) }
    }
}

/// What the service's settings add to the field rules.
struct ListingMediaRules: Sendable {
    var tourHosts = TourHosts()
}

/// What a client writes about a video or a tour.
protocol ListingMediaFields: Codable, Sendable {
    /// The table and its JSON function.
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

extension ListingMediaFields {
    /// The kind as a kit record: the fields' JSON keys are its writable columns (every key,
    /// present or not: read through a mirror of an empty value's names), soft deleted.
    static func kind() throws -> RecordKind {
        let names = Mirror(reflecting: try JSONDecoder.tract.decode(Self.self, from: Data("{}".utf8))).children.compactMap(\.label)
        return RecordKind(
            table: Self.table, document: "\(Self.documentFunction)(x)", noun: Self.noun,
            columns: names.map(snakeCase).filter { !Self.readOnlyKeys.contains($0) }, deletion: .soft
        )
    }
}
