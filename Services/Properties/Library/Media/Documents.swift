import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/properties/{id}/documents` (seed 001 §2.5 `documents.documents`, kept in `media`):
/// versioned files of a property. Uploading under a name the property already has adds version
/// n + 1 and keeps the earlier versions. A version is read at `/v1/documents/{id}`
/// (`DocumentController`) and its bytes fetched at `/v1/media/documents/{id}` (`MediaFileController`).
struct PropertyDocumentController: RouteController {
    let store: DocumentStore
    let gate: PropertyGate
    let delivery: MediaDelivery
    let maxUploadBytes: Int

    /// Mounted at `/v1/properties/:id/documents`: the latest versions the caller may read.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.list)
    }

    /// Mounted at `/v1/properties/:id/documents`: uploads, by the property's editors.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.upload)
    }

    @Sendable func list(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.readable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        let page = try PageRequest(request, order: DocumentStore.newestUpload)
        return try await self.store.list(property: property.id, access: access, editor: access.canEdit(property), page: page, logger: context.logger)
    }

    @Sendable func upload(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let access = PropertyAccess(identity: context.identity)
        let property = try await self.gate.editable(try context.parameters.uuid("id", "property"), access: access, logger: context.logger)
        let metadata = try DocumentUpload(request.uri.queryParameters)
        try request.refuseDeclaredLength(above: self.maxUploadBytes)
        let spooled = try await UploadSpool.receive(request.body, limit: self.maxUploadBytes, into: self.delivery.storage.spoolDirectory)
        let kind: FileKind
        do {
            kind = try Self.documentKind(of: spooled, declaredType: request.headers[.contentType], fileName: metadata.fileName)
        } catch {
            spooled.discard()
            throw error
        }
        let userID = try context.identity.requireUser("Only users change listing media.")
        let document = try await self.store.addVersion(metadata, file: spooled, kind: kind, property: property.id, by: userID, logger: context.logger)
        return JSONDocument(document.json, status: .created, headers: [.location: "/v1/documents/\(document.id.lowercased)"])
    }

    /// Documents: PDFs, images and Office files.
    static func documentKind(of upload: SpooledUpload, declaredType: String?, fileName: String?) throws -> FileKind {
        guard let sniffed = FileKind.inspect(upload.head) else {
            throw Problem(
                .unsupportedMediaType,
                detail: "A document must be a PDF, an image (PNG, JPEG, GIF, WebP) or an Office file (docx, xlsx, pptx).",
                errors: [.init(field: "file", message: "is not a PDF, image or Office file")],
                type: "https://tract.dev/problems/type-mismatch"
            )
        }
        let kind = try sniffed.reconciled(declaredType: declaredType, fileName: fileName)
        guard FileKind.documentTypes.contains(kind.mimeType) else {
            throw Problem.typeMismatch(field: "file", "is \(kind.mimeType), which documents do not accept")
        }
        return kind
    }
}

/// `/v1/documents/{id}`: one document version and the versions of its name, each to whoever may
/// read it (its property's readers by its visibility, and the users it was shared with or sent to
/// for signing).
struct DocumentController: RouteController {
    let store: DocumentStore
    let gate: PropertyGate

    /// Mounted at `/v1/documents`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(":id", use: self.show)
            .get(":id/versions", use: self.versions)
    }

    @Sendable func show(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let (document, _) = try await self.readable(context, forDownload: false)
        return JSONDocument(document.json)
    }

    @Sendable func versions(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let (document, granted) = try await self.readable(context, forDownload: false)
        let page = try PageRequest(request, order: DocumentStore.versionOrder)
        // Reading one version says nothing about the others: each row is held to the same rule as
        // the property's document list. A grant-only reader may not see the listing at all.
        let access = PropertyAccess(identity: context.identity)
        let property: Property?
        if let granted {
            property = granted
        } else {
            property = try? await self.gate.readable(document.propertyId, access: access, logger: context.logger)
        }
        return try await self.store.versions(
            of: document, access: access, editor: property.map(access.canEdit) ?? false, listingReadable: property != nil, page: page,
            logger: context.logger
        )
    }

    /// The document if the caller may see it (and, for `forDownload`, fetch its bytes): 404 otherwise.
    func readable(_ context: TractRequestContext, forDownload: Bool) async throws -> (DocumentRecord, Property?) {
        try await self.readable(
            try context.parameters.uuid("id", "document"), by: context.identity, forDownload: forDownload, logger: context.logger)
    }

    /// The same for `identity`, whoever asks: the internal route asks it for the user a service acts for.
    func readable(_ id: UUID, by identity: Identity?, forDownload: Bool, logger: Logger) async throws -> (DocumentRecord, Property?) {
        let notFound = Problem.notFound("No document has this id.")
        guard let document = try await self.store.find(id, logger: logger) else {
            throw notFound
        }
        let access = PropertyAccess(identity: identity)
        if let user = access.userID, try await self.store.isGranted(document, to: user, forDownload: forDownload, logger: logger) {
            return (document, nil)
        }
        guard let property = try? await self.gate.readable(document.propertyId, access: access, logger: logger),
            DocumentAccess(access: access).canRead(document, of: property)
        else { throw notFound }
        return (document, property)
    }
}

/// Who may read a document (pure): the property's editors always; others who see the property
/// when the document is public, or investors-only and they are signed in. Shares and signature
/// requests grant more, per user (`DocumentStore.isGranted`).
struct DocumentAccess: Sendable {
    let access: PropertyAccess

    func canRead(_ document: DocumentRecord, of property: Property) -> Bool {
        if self.access.canEdit(property) { return true }
        guard self.access.canRead(property) else { return false }
        switch document.visibility {
        case "public": return true
        case "investors": return self.access.identity != nil
        default: return false
        }
    }

    /// The same rule for lists of one property's documents, as SQL on the row alias `x`. Without `listingReadable`
    /// only the caller's own shares and signature requests count.
    func readableCondition(editor: Bool, listingReadable: Bool = true, _ binds: inout SQLBinds) -> String {
        if editor { return "true" }
        var visible = "x.visibility = 'public'"
        if self.access.identity != nil { visible = "x.visibility IN ('public', 'investors')" }
        if !listingReadable { visible = "false" }
        guard let user = self.access.userID else { return visible }
        let placeholder = binds.add(user)
        return """
            (\(visible) OR EXISTS (SELECT FROM media.document_shares s WHERE s.document_id = x.id AND s.shared_with = \(placeholder)
                AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now()) AND s.can_view)
            OR EXISTS (SELECT FROM media.signatures g WHERE g.document_id = x.id AND g.signer_id = \(placeholder)))
            """
    }
}

/// A document upload's metadata, as query parameters beside the raw body.
struct DocumentUpload: Sendable, Equatable {
    static let types: Set = ["contract", "report", "presentation", "tax_form", "other"]
    static let categories: Set = ["investment", "legal", "financial", "marketing", "other"]
    static let visibilities: Set = ["private", "investors", "public"]

    var name: String
    var fileName: String?
    var type: String?
    var category: String?
    var visibility: String?
    var requiresSignature: Bool?
    var description: String?
    var tags: [String]?

    init(_ query: Parameters) throws {
        var errors = FieldErrors()
        // Free text sent empty counts as absent; a choice, number, flag or id sent empty is
        // refused by name like any other value that is not one (the document allows no empty value).
        func text(_ name: String) -> String? { query.nonEmpty(name) }
        func value(_ name: String) -> String? { query.get(name) }
        self.fileName = text("file_name")
        errors.text("file_name", self.fileName, max: 255)
        // A name is what versions share; without one the file name (less its extension) is used.
        let fallback = self.fileName.map { name in name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name }
        self.name = text("name") ?? fallback ?? ""
        if self.name.isEmpty { errors.add("name", "is required (or a file_name to take it from)") }
        errors.text("name", self.name, max: 255, required: true)
        self.type = value("type")
        errors.oneOf("type", self.type, Self.types)
        self.category = value("category")
        errors.oneOf("category", self.category, Self.categories)
        self.visibility = value("visibility")
        errors.oneOf("visibility", self.visibility, Self.visibilities)
        self.requiresSignature = query.flag("requires_signature", errors: &errors)
        self.description = text("description")
        errors.text("description", self.description, max: 5000, multiline: true)
        if query["tags"] != nil {
            self.tags = query.getAll("tags").flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                .filter { !$0.isEmpty }
            errors.list("tags", self.tags)
        }
        try errors.check()
    }
}

/// A document version: what the service reasons about, and its JSON as Postgres built it.
struct DocumentRecord: Sendable {
    var id: UUID
    var propertyId: UUID
    var ownerId: UUID
    var name: String
    var version: Int
    var visibility: String
    var file: StoredFile
    var json: String

    private struct Fields: Decodable {
        var id: UUID
        var propertyId: UUID
        var ownerId: UUID
        var name: String
        var version: Int
        var visibility: String
        var fileSize: Int
        var fileType: String
        var fileHash: String
        var fileName: String?
    }

    init(json: String, storageKey: String) throws {
        let fields = try JSONDecoder.tract.decode(Fields.self, from: Data(json.utf8))
        guard let key = MediaKey(stored: storageKey) else { throw MediaStorageError.failed("malformed storage key \(storageKey)") }
        self.id = fields.id
        self.propertyId = fields.propertyId
        self.ownerId = fields.ownerId
        self.name = fields.name
        self.version = fields.version
        self.visibility = fields.visibility
        self.file = StoredFile(
            key: key, size: fields.fileSize, mimeType: fields.fileType, sha256: fields.fileHash,
            fileName: fields.fileName ?? fields.name, attachment: true
        )
        self.json = json
    }
}

/// `media.documents` and the grants on them (`document_shares`, `signatures`).
struct DocumentStore: Sendable {
    let postgres: PostgresClient
    let outbox: OutboxPublisher
    let storage: any MediaStorage
    let ids: IDGenerator

    /// A property's documents, newest first: ids are UUIDv7 from the service's generator, so id
    /// order is upload order (the list's order since it was written).
    static let newestUpload = Keyset("newest_upload", key: "x.id", type: "uuid", descending: true)
    /// A document's versions, oldest first.
    static let versionOrder = Keyset("version", key: "x.version", type: "integer", descending: false)

    func find(_ id: UUID, logger: Logger) async throws -> DocumentRecord? {
        let rows = try await self.postgres.query(
            "SELECT media.document_document(d)::text, d.storage_key FROM media.documents d WHERE id = \(id) AND deleted_at IS NULL",
            logger: logger
        )
        for try await (json, key) in rows.decode((String, String).self) { return try DocumentRecord(json: json, storageKey: key) }
        return nil
    }

    /// A live share to `user` (with download rights when `forDownload`) or a signature request of them.
    func isGranted(_ document: DocumentRecord, to user: UUID, forDownload: Bool, logger: Logger) async throws -> Bool {
        let rows = try await self.postgres.query(
            """
            SELECT EXISTS (
                SELECT FROM media.document_shares s WHERE s.document_id = \(document.id) AND s.shared_with = \(user)
                AND s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now())
                AND s.can_view AND (s.can_download OR NOT \(forDownload))
            ) OR EXISTS (SELECT FROM media.signatures g WHERE g.document_id = \(document.id) AND g.signer_id = \(user))
            """,
            logger: logger
        )
        for try await granted in rows.decode(Bool.self) { return granted }
        return false
    }

    /// A page of the property's latest versions that the caller may read.
    func list(property: UUID, access: PropertyAccess, editor: Bool, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let conditions = [
            "x.property_id = \(binds.add(property))", "x.is_latest_version", "x.deleted_at IS NULL",
            DocumentAccess(access: access).readableCondition(editor: editor, &binds), page.after(&binds),
        ]
        let sql = """
            SELECT media.document_document(x)::text, \(page.selectKey), x.id FROM media.documents x
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// A page of the versions of the document's name that the caller may read, oldest first.
    func versions(of document: DocumentRecord, access: PropertyAccess, editor: Bool, listingReadable: Bool, page: PageRequest, logger: Logger)
        async throws -> JSONDocument
    {
        var binds = SQLBinds()
        let conditions = [
            "x.property_id = \(binds.add(document.propertyId))", "lower(x.name) = lower(\(binds.add(document.name)))", "x.deleted_at IS NULL",
            DocumentAccess(access: access).readableCondition(editor: editor, listingReadable: listingReadable, &binds), page.after(&binds),
        ]
        let sql = """
            SELECT media.document_document(x)::text, \(page.selectKey), x.id FROM media.documents x
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Stores the bytes, then writes version n + 1 of the property's document of that name (or
    /// version 1) with `media.document_version_added`, in one transaction under a lock on the
    /// name; the bytes are removed again if the row cannot be written. Settings not given are
    /// carried over from the previous version.
    func addVersion(_ upload: DocumentUpload, file: SpooledUpload, kind: FileKind, property: UUID, by user: UUID, logger: Logger)
        async throws -> DocumentRecord
    {
        let id = self.ids.next()
        let key = MediaKey.document(property: property, document: id)
        try await self.storage.store(file, key: key, contentType: kind.mimeType)
        do {
            return try await self.postgres.transaction(logger: logger) { connection in
                let lock = "media.documents.\(property.lowercased).\(upload.name.lowercased())"
                try await connection.query("SELECT pg_advisory_xact_lock(hashtextextended(\(lock), 0))", logger: logger)
                let previous = try await connection.query(
                    """
                    UPDATE media.documents SET is_latest_version = false
                    WHERE property_id = \(property) AND lower(name) = lower(\(upload.name)) AND is_latest_version AND deleted_at IS NULL
                    RETURNING id
                    """,
                    logger: logger
                )
                var parent: UUID?
                for try await id in previous.decode(UUID.self) { parent = id }
                let rows = try await connection.query(
                    """
                    INSERT INTO media.documents AS d (
                        id, property_id, owner_id, name, type, category, file_name, file_size, file_type, file_hash, storage_key,
                        version, parent_document_id, is_latest_version, visibility, requires_signature, description, tags
                    )
                    SELECT \(id), \(property), \(user), \(upload.name), coalesce(\(upload.type), p.type), coalesce(\(upload.category), p.category),
                        \(upload.fileName), \(file.size), \(kind.mimeType), \(file.sha256), \(key.path),
                        coalesce(p.version + 1, 1), p.id, true, coalesce(\(upload.visibility), p.visibility, 'private'),
                        coalesce(\(upload.requiresSignature), p.requires_signature, false), coalesce(\(upload.description), p.description),
                        coalesce(\(upload.tags), p.tags, '{}')
                    FROM (SELECT 1) one LEFT JOIN media.documents p ON p.id = \(parent)
                    RETURNING media.document_document(d)::text, d.storage_key
                    """,
                    logger: logger
                )
                var record: DocumentRecord?
                for try await (json, storedKey) in rows.decode((String, String).self) {
                    record = try DocumentRecord(json: json, storageKey: storedKey)
                }
                guard let record else { throw MediaStorageError.failed("the document row was not written") }
                try await self.outbox.publish(
                    MediaDocumentVersionAdded(
                        documentId: id, propertyId: property, name: record.name, version: record.version, previousVersionId: parent,
                        fileType: kind.mimeType, fileSize: file.size, ownerId: user
                    ),
                    on: connection, logger: logger
                )
                return record
            }
        } catch {
            try? await self.storage.delete(key)
            throw error
        }
    }
}
