import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/photos` (seed 001 §2.7 `media.property_photos`): uploads by the property's
/// editors, the gallery for whoever sees the property, in `display_order`, with at most one
/// primary photo. The bytes are served by `MediaFileController` (`/v1/media/photos/{photo_id}`).
struct PhotoController: RouteController {
    let store: PhotoStore
    let gate: PropertyGate
    let delivery: MediaDelivery
    let maxUploadBytes: Int

    /// Mounted at `/v1/properties/:id/photos`: the gallery and a photo's record, for whoever sees
    /// the property (archived photos for its editors only).
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.list)
            .get(":photo_id", use: self.show)
    }

    /// Mounted at `/v1/properties/:id/photos`: uploads and changes, by the property's editors.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.upload)
            .patch(":photo_id", use: self.update).delete(":photo_id", use: self.remove)
    }

    @Sendable func list(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.readable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        return try await self.store.list(
            property: property.id, includeArchived: access.canEdit(property), page: try PageRequest(request, order: PhotoStore.galleryOrder),
            logger: context.logger
        )
    }

    @Sendable func show(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        JSONDocument(try await self.readablePhoto(context).document)
    }

    @Sendable func upload(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.editable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        let metadata = try PhotoUpload(request.uri.queryParameters)
        try request.refuseDeclaredLength(above: self.maxUploadBytes)
        let spooled = try await UploadSpool.receive(request.body, limit: self.maxUploadBytes, into: self.delivery.storage.spoolDirectory)
        let kind: FileKind
        do {
            kind = try Self.photoKind(of: spooled, declaredType: request.headers[.contentType], fileName: metadata.fileName)
        } catch {
            spooled.discard()
            throw error
        }
        let userID = try context.identity.requireUser("Only users change listing media.")
        let photo = try await self.store.add(metadata, file: spooled, kind: kind, property: property.id, by: userID, logger: context.logger)
        return JSONDocument(
            photo.document, status: .created, headers: [.location: "/v1/properties/\(property.id.lowercased)/photos/\(photo.id.lowercased)"])
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.editable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        let change = try await request.decode(as: PhotoChange.self, context: context)
        try change.check()
        let photo = try await self.store.update(
            try context.parameters.uuid("photo_id", "photo"), of: property.id, change: change, logger: context.logger)
        return JSONDocument(photo.document)
    }

    @Sendable func remove(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.editable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        try await self.store.remove(try context.parameters.uuid("photo_id", "photo"), of: property.id, logger: context.logger)
        return .noContent
    }

    /// The photo if the caller may see it (its property is readable to them, and an archived photo
    /// only to the property's editors): 404 otherwise. Under `/v1/properties/:id/photos` the photo
    /// must be that property's.
    func readablePhoto(_ context: TractRequestContext) async throws -> PhotoRecord {
        let access = PropertyAccess(identity: context.identity)
        let photoID = try context.parameters.uuid("photo_id", "photo")
        guard let photo = try await self.store.find(photoID, logger: context.logger),
            context.parameters.get("id").map({ UUID(uuidString: $0) == photo.propertyId }) ?? true
        else { throw Problem.notFound("No photo has this id.") }
        let property: Property
        do {
            property = try await self.gate.readable(photo.propertyId, access: access, logger: context.logger)
        } catch {
            throw Problem.notFound("No photo has this id.")
        }
        if photo.status == "archived", !access.canEdit(property) { throw Problem.notFound("No photo has this id.") }
        return photo
    }

    /// Photos are images browsers show: PNG, JPEG, GIF or WebP, with a readable size.
    static func photoKind(of upload: SpooledUpload, declaredType: String?, fileName: String?) throws -> FileKind {
        guard let sniffed = FileKind.inspect(upload.head), FileKind.photoTypes.contains(sniffed.mimeType) else {
            throw Problem(
                .unsupportedMediaType,
                detail: "A photo must be a PNG, JPEG, GIF or WebP image.",
                errors: [.init(field: "file", message: "is not a PNG, JPEG, GIF or WebP image")],
                type: "https://tract.dev/problems/type-mismatch"
            )
        }
        let kind = try sniffed.reconciled(declaredType: declaredType, fileName: fileName)
        guard kind.width != nil, kind.height != nil else {
            throw Problem.validation(field: "file", "is a \(kind.mimeType) whose header does not give its width and height")
        }
        return kind
    }
}

extension UUID {
    var lowercased: String { self.uuidString.lowercased() }
}

/// A photo upload's metadata: query parameters beside the raw body (`?caption=…&tags=a,b`).
struct PhotoUpload: Sendable, Equatable {
    static let photoTypes: Set = ["exterior", "interior", "amenity", "unit", "aerial"]
    static let categories: Set = ["hero", "gallery", "floorplan", "renovation"]

    var fileName: String?
    var photoType: String?
    var category: String?
    var caption: String?
    var tags: [String] = []
    var displayOrder: Int?
    var isPrimary = false
    var unitId: UUID?

    init(_ query: Parameters) throws {
        var errors = FieldErrors()
        // Free text sent empty counts as absent; a choice, number, flag or id sent empty is
        // refused by name like any other value that is not one (the document allows no empty value).
        func text(_ name: String) -> String? { query.nonEmpty(name) }
        func value(_ name: String) -> String? { query.get(name) }
        self.fileName = text("file_name")
        errors.text("file_name", self.fileName, max: 255)
        self.photoType = value("photo_type")
        errors.oneOf("photo_type", self.photoType, Self.photoTypes)
        self.category = value("category")
        errors.oneOf("category", self.category, Self.categories)
        self.caption = text("caption")
        errors.text("caption", self.caption, max: 2000)
        self.tags = query.getAll("tags").flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
        errors.list("tags", self.tags)
        if let order = value("display_order") {
            if let value = Int(order), value >= 0, value <= 1_000_000 {
                self.displayOrder = value
            } else {
                errors.add("display_order", "must be a whole number from 0 to 1000000")
            }
        }
        self.isPrimary = query.flag("is_primary", errors: &errors) ?? false
        if let unit = value("unit_id") {
            if let id = UUID(uuidString: unit) { self.unitId = id } else { errors.add("unit_id", "must be a UUID") }
        }
        try errors.check()
    }
}

/// `PATCH` of a photo: what is sent changes, what is absent stays. An empty caption clears it.
struct PhotoChange: Codable, Sendable {
    var photoType: String?
    var category: String?
    var caption: String?
    var tags: [String]?
    var displayOrder: Int?
    var isPrimary: Bool?
    var status: String?

    /// 422 naming every field that is wrong.
    func check() throws {
        var errors = FieldErrors()
        errors.oneOf("photo_type", self.photoType, PhotoUpload.photoTypes)
        errors.oneOf("category", self.category, PhotoUpload.categories)
        errors.text("caption", self.caption, max: 2000)
        errors.list("tags", self.tags)
        errors.range("display_order", self.displayOrder, 0...1_000_000)
        errors.oneOf("status", self.status, ["active", "archived"])
        if self.isPrimary == true, self.status == "archived" { errors.add("is_primary", "an archived photo cannot be primary") }
        try errors.check()
    }
}

/// A photo row: the fields the service reasons about, and the JSON Postgres built for it.
struct PhotoRecord: Sendable {
    var id: UUID
    var propertyId: UUID
    var status: String
    var isPrimary: Bool
    var displayOrder: Int
    var file: StoredFile
    var document: String

    private struct Fields: Decodable {
        var id: UUID
        var propertyId: UUID
        var status: String
        var isPrimary: Bool
        var displayOrder: Int
        var fileSize: Int
        var mimeType: String
        var sha256: String
        var fileName: String?
    }

    init(document: String, storageKey: String) throws {
        let fields = try JSONDecoder.tract.decode(Fields.self, from: Data(document.utf8))
        guard let key = MediaKey(stored: storageKey) else { throw MediaStorageError.failed("malformed storage key \(storageKey)") }
        self.id = fields.id
        self.propertyId = fields.propertyId
        self.status = fields.status
        self.isPrimary = fields.isPrimary
        self.displayOrder = fields.displayOrder
        self.file = StoredFile(
            key: key, size: fields.fileSize, mimeType: fields.mimeType, sha256: fields.sha256, fileName: fields.fileName, attachment: false
        )
        self.document = document
    }
}

/// `media.property_photos`. Changes to a property's gallery take a transaction-scoped advisory
/// lock on the property, so "first photo becomes primary" and "one primary" hold under races (the
/// partial unique index is the backstop).
struct PhotoStore: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let storage: any MediaStorage
    let ids: IDGenerator

    func find(_ id: UUID, logger: Logger) async throws -> PhotoRecord? {
        let rows = try await self.postgres.query(
            "SELECT media.photo_document(ph)::text, ph.storage_key FROM media.property_photos ph WHERE id = \(id) AND deleted_at IS NULL",
            logger: logger
        )
        for try await (document, key) in rows.decode((String, String).self) { return try PhotoRecord(document: document, storageKey: key) }
        return nil
    }

    /// The gallery order: `display_order`, then id among photos of the same place.
    static let galleryOrder = Keyset("display_order", key: "x.display_order", type: "integer", descending: false)

    /// A page of the property's gallery (`page` in `galleryOrder`); archived photos only for editors.
    func list(property: UUID, includeArchived: Bool, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let archived = includeArchived ? "" : " AND x.status = 'active'"
        let sql = """
            SELECT media.photo_document(x)::text, \(page.selectKey), x.id FROM media.property_photos x
            WHERE x.property_id = \(binds.add(property)) AND x.deleted_at IS NULL\(archived) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Stores the bytes, then the row and `media.photo_added` in one transaction; when the row
    /// cannot be written the stored object is removed again, so neither outlives the other.
    func add(_ upload: PhotoUpload, file: SpooledUpload, kind: FileKind, property: UUID, by user: UUID, logger: Logger) async throws
        -> PhotoRecord
    {
        let id = self.ids.next()
        let key = MediaKey.photo(property: property, photo: id)
        try await self.storage.store(file, key: key, contentType: kind.mimeType)
        do {
            return try await self.postgres.transaction(logger: logger) { connection in
                try await Self.lockGallery(property, on: connection, logger: logger)
                let hasPrimary = try await Self.primary(of: property, on: connection, logger: logger) != nil
                let primary = upload.isPrimary || !hasPrimary
                if upload.isPrimary, hasPrimary {
                    try await connection.query(
                        "UPDATE media.property_photos SET is_primary = false, updated_at = now() WHERE property_id = \(property) AND is_primary AND deleted_at IS NULL",
                        logger: logger
                    )
                }
                let rows = try await connection.query(
                    """
                    INSERT INTO media.property_photos AS ph (
                        id, property_id, unit_id, file_name, storage_key, photo_type, category, caption, tags, width, height,
                        file_size, mime_type, sha256, display_order, is_primary, uploaded_by
                    )
                    SELECT \(id), \(property), \(upload.unitId), \(upload.fileName), \(key.path), \(upload.photoType),
                        \(upload.category), \(upload.caption), \(upload.tags), \(kind.width), \(kind.height), \(file.size),
                        \(kind.mimeType), \(file.sha256),
                        coalesce(\(upload.displayOrder), (SELECT max(display_order) + 1 FROM media.property_photos
                            WHERE property_id = \(property) AND deleted_at IS NULL), 0),
                        \(primary), \(user)
                    RETURNING media.photo_document(ph)::text, ph.storage_key
                    """,
                    logger: logger
                )
                var record: PhotoRecord?
                for try await (document, storedKey) in rows.decode((String, String).self) {
                    record = try PhotoRecord(document: document, storageKey: storedKey)
                }
                guard let record else { throw MediaStorageError.failed("the photo row was not written") }
                try await self.outbox.publish(
                    MediaPhotoAdded(
                        photoId: id, propertyId: property, mimeType: kind.mimeType, fileSize: file.size, width: kind.width,
                        height: kind.height, isPrimary: primary, uploadedBy: user
                    ),
                    on: connection, logger: logger
                )
                if primary {
                    try await self.outbox.publish(MediaPrimaryPhotoChanged(propertyId: property, photoId: id), on: connection, logger: logger)
                }
                return record
            }
        } catch {
            try? await self.storage.delete(key)
            throw error
        }
    }

    func update(_ id: UUID, of property: UUID, change: PhotoChange, logger: Logger) async throws -> PhotoRecord {
        try await self.postgres.transaction(logger: logger) { connection in
            try await Self.lockGallery(property, on: connection, logger: logger)
            let before = try await Self.primary(of: property, on: connection, logger: logger)
            // Caption "" clears it; tags replace the list; primary moves from whichever photo had it.
            if change.isPrimary == true {
                try await connection.query(
                    "UPDATE media.property_photos SET is_primary = false, updated_at = now() WHERE property_id = \(property) AND is_primary AND id <> \(id) AND deleted_at IS NULL",
                    logger: logger
                )
            }
            let archiving = change.status == "archived"
            // The caption bind is cast: a bare `$n IS NULL` gives Postgres nothing to infer its type from
            // (42P18 when the caption is absent).
            let rows = try await connection.query(
                """
                UPDATE media.property_photos AS ph SET
                    photo_type = coalesce(\(change.photoType), photo_type),
                    category = coalesce(\(change.category), category),
                    caption = CASE WHEN \(change.caption)::text IS NULL THEN caption ELSE nullif(\(change.caption)::text, '') END,
                    tags = coalesce(\(change.tags), tags),
                    display_order = coalesce(\(change.displayOrder), display_order),
                    status = coalesce(\(change.status), status),
                    is_primary = CASE WHEN \(archiving) THEN false ELSE coalesce(\(change.isPrimary), is_primary) END,
                    updated_at = now()
                WHERE id = \(id) AND property_id = \(property) AND deleted_at IS NULL
                RETURNING media.photo_document(ph)::text, ph.storage_key
                """,
                logger: logger
            )
            var record: PhotoRecord?
            for try await (document, key) in rows.decode((String, String).self) { record = try PhotoRecord(document: document, storageKey: key) }
            guard let record else { throw Problem.notFound("No photo has this id.") }
            let after = try await Self.primary(of: property, on: connection, logger: logger)
            if after != before {
                try await self.outbox.publish(MediaPrimaryPhotoChanged(propertyId: property, photoId: after), on: connection, logger: logger)
            }
            return record
        }
    }

    /// Soft-deletes the row (publishing `media.photo_removed`, and a new primary when the primary
    /// went: the next in gallery order), then removes the bytes.
    func remove(_ id: UUID, of property: UUID, logger: Logger) async throws {
        let key: MediaKey = try await self.postgres.transaction(logger: logger) { connection in
            try await Self.lockGallery(property, on: connection, logger: logger)
            let rows = try await connection.query(
                """
                SELECT storage_key, is_primary FROM media.property_photos
                WHERE id = \(id) AND property_id = \(property) AND deleted_at IS NULL FOR UPDATE
                """,
                logger: logger
            )
            var found: (String, Bool)?
            for try await row in rows.decode((String, Bool).self) { found = row }
            guard let (storedKey, wasPrimary) = found, let key = MediaKey(stored: storedKey) else {
                throw Problem.notFound("No photo has this id.")
            }
            try await connection.query(
                "UPDATE media.property_photos SET deleted_at = now(), updated_at = now(), is_primary = false WHERE id = \(id)",
                logger: logger
            )
            try await self.outbox.publish(MediaPhotoRemoved(photoId: id, propertyId: property), on: connection, logger: logger)
            if wasPrimary {
                var next: UUID?
                let promoted = try await connection.query(
                    """
                    UPDATE media.property_photos SET is_primary = true, updated_at = now()
                    WHERE id = (SELECT id FROM media.property_photos WHERE property_id = \(property) AND deleted_at IS NULL
                                AND status = 'active' ORDER BY display_order, id LIMIT 1)
                    RETURNING id
                    """,
                    logger: logger
                )
                for try await id in promoted.decode(UUID.self) { next = id }
                try await self.outbox.publish(MediaPrimaryPhotoChanged(propertyId: property, photoId: next), on: connection, logger: logger)
            }
            return key
        }
        do {
            try await self.storage.delete(key)
        } catch {
            // The row is gone; a leftover object is only wasted space, not a leak of a live file.
            logger.warning("could not delete a removed photo's bytes", metadata: ["key": .string(key.path), "error": .string("\(error)")])
        }
    }

    static func lockGallery(_ property: UUID, on connection: PostgresConnection, logger: Logger) async throws {
        let key = "media.photos.\(property.lowercased)"
        try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(key), 0))", logger: logger)
    }

    static func primary(of property: UUID, on connection: PostgresConnection, logger: Logger) async throws -> UUID? {
        let rows = try await connection.query(
            "SELECT id FROM media.property_photos WHERE property_id = \(property) AND is_primary AND deleted_at IS NULL",
            logger: logger
        )
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }
}
