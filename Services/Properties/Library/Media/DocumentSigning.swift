import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

/// Investing paperwork (issue 22): signing a document's current version electronically, with the
/// consent and evidence the ESIGN Act and UETA ask for, and its signed copy.
///
/// `investments` signs for an investor through `POST /internal/v1/documents/{id}/signing` (the
/// investor asks at `POST /v1/offerings/{id}/documents/subscription_agreement/sign`, which relays
/// their address and user agent) and checks a signature before a commitment at
/// `GET /internal/v1/documents/{id}/signing?signer=…`. `{id}` may be any version of the document:
/// the current version of its name is what counts. The signed copy is served at
/// `GET /v1/media/signed-copies/{signature_id}`.
struct DocumentSigningController: RouteController {
    let store: DocumentSigningStore

    /// Mounted at `/internal/v1/documents`: service tokens with `internal:documents.sign`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.signDocuments))
            .get(":id/signing", use: self.facts)
            .post(":id/signing", use: self.sign)
    }

    @Sendable func facts(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "document")
        var signer: UUID?
        if let text = request.uri.queryParameters["signer"] {
            guard let parsed = UUID(uuidString: String(text)) else { throw Problem.validation(field: "signer", "must be a user id (UUID)") }
            signer = parsed
        }
        guard let facts = try await self.store.facts(of: id, signer: signer, logger: context.logger) else {
            throw Problem.notFound("No document has this id.")
        }
        return JSONDocument(try Self.encode(facts))
    }

    @Sendable func sign(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "document")
        let body = try await request.decode(as: DocumentSigningRequest.self, context: context)
        try SigningEvidence.problems(body).check()
        let receipt = try await self.store.sign(id, body, logger: context.logger)
        return JSONDocument(try Self.encode(receipt), status: .created)
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.tract.encode(value), as: UTF8.self)
    }
}

/// The checks on what a signature records (pure), field by field.
enum SigningEvidence {
    static func problems(_ body: DocumentSigningRequest) -> FieldErrors {
        var errors = FieldErrors()
        if body.documentSha256.wholeMatch(of: /[0-9a-f]{64}/) == nil {
            errors.add("document_sha256", "must be the SHA-256 shown, as 64 lowercase hex digits")
        }
        errors.text("typed_name", body.typedName, max: 200, required: true)
        if body.typedName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.add("typed_name", "must not contain control characters")
        }
        errors.text("consent_version", body.consentVersion, max: 50, required: true)
        errors.text("consent_text", body.consentText, max: 10_000, required: true, multiline: true)
        if let address = body.ipAddress, IPAddress(address) == nil { errors.add("ip_address", "must be an IPv4 or IPv6 address") }
        errors.text("user_agent", body.userAgent, max: 1000)
        return errors
    }
}

/// `GET /v1/media/signed-copies/{signature_id}`: the signed copy's bytes, to its signer, the
/// offering's sponsor and the property's editors (admins included); 404 to anyone else.
struct SignedCopyController: RouteController {
    let store: DocumentSigningStore
    let gate: PropertyGate
    let delivery: MediaDelivery

    /// Mounted at `/v1/media/signed-copies`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(":signature_id", use: self.download)
    }

    @Sendable func download(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let notFound = Problem.notFound("No signed copy of yours has this id.")
        let id = try context.parameters.uuid("signature_id", "signature")
        guard let copy = try await self.store.signedCopy(id, logger: context.logger) else { throw notFound }
        let access = PropertyAccess(identity: context.identity)
        var allowed = access.userID == copy.signerId || access.userID == copy.sponsorId || access.isAdmin
        if !allowed, let property = try? await self.gate.readable(copy.propertyId, access: access, logger: context.logger) {
            allowed = access.canEdit(property)
        }
        guard allowed else { throw notFound }
        return try await self.delivery.respond(with: copy.file, to: request, logger: context.logger)
    }
}

/// A stored signed copy and who it belongs to.
struct SignedCopy: Sendable {
    var signerId: UUID
    var sponsorId: UUID
    var propertyId: UUID
    var file: StoredFile
}

/// ESIGN signatures on the current version of a document, and their signed copies.
struct DocumentSigningStore: Sendable {
    let documents: DocumentStore
    let properties: PropertyStore
    let clock: ServiceClock
    let ids: IDGenerator

    var postgres: PostgresClient { self.documents.postgres }

    /// The version of `id`'s name that is current now (nil when the document does not exist or was deleted).
    func current(of id: UUID, logger: Logger) async throws -> DocumentRecord? {
        let rows = try await self.postgres.query(
            """
            SELECT media.document_document(c)::text, c.storage_key FROM media.documents d
            JOIN media.documents c ON c.property_id = d.property_id AND lower(c.name) = lower(d.name) AND c.is_latest_version
                AND c.deleted_at IS NULL
            WHERE d.id = \(id) AND d.deleted_at IS NULL
            """,
            logger: logger
        )
        for try await (json, key) in rows.decode((String, String).self) { return try DocumentRecord(json: json, storageKey: key) }
        return nil
    }

    func facts(of id: UUID, signer: UUID?, logger: Logger) async throws -> DocumentSigningFacts? {
        guard let current = try await self.current(of: id, logger: logger),
            let property = try await self.properties.find(current.propertyId.uuidString, logger: logger)
        else { return nil }
        let receipt = try await signer.asyncMap { try await self.receipt(of: current, signer: $0, logger: logger) } ?? nil
        return DocumentSigningFacts(
            documentId: current.id, propertyId: current.propertyId, title: current.name, version: current.version, sha256: current.file.sha256,
            fileType: current.file.mimeType, fileSize: current.file.size, visibility: current.visibility,
            sponsorId: property.property.sponsorId, signature: receipt
        )
    }

    /// `signer`'s ESIGN signature on exactly this version, with its signed copy.
    func receipt(of document: DocumentRecord, signer: UUID, logger: Logger) async throws -> DocumentSignatureReceipt? {
        let rows = try await self.postgres.query(
            """
            SELECT g.id, g.document_sha256, g.typed_name, g.signed_at, c.file_hash FROM media.signatures g
            JOIN media.signed_copies c ON c.signature_id = g.id
            WHERE g.document_id = \(document.id) AND g.signer_id = \(signer) AND g.esign_consented_at IS NOT NULL
            """,
            logger: logger
        )
        for try await (id, sha, name, signedAt, copyHash) in rows.decode((UUID, String, String, Date, String).self) {
            return DocumentSignatureReceipt(
                signatureId: id, documentId: document.id, version: document.version, documentSha256: sha, typedName: name, signedAt: signedAt,
                signedCopyUrl: Self.signedCopyURL(id), signedCopySha256: copyHash
            )
        }
        return nil
    }

    static func signedCopyURL(_ signature: UUID) -> String { "/v1/media/signed-copies/\(signature.uuidString.lowercased())" }

    /// Signs the current version of `id`'s name for the request's signer: 404 when there is no
    /// such document, 409 when the hash shown is not the current version's (a newer version was
    /// uploaded since) or the signer has already signed this version. The signed copy is built
    /// and stored first; the signature, the copy's row and `media.document_signed` are written in
    /// one transaction that holds the version's row, so a new version cannot slip in between.
    func sign(_ id: UUID, _ body: DocumentSigningRequest, logger: Logger) async throws -> DocumentSignatureReceipt {
        guard let current = try await self.current(of: id, logger: logger) else { throw Problem.notFound("No document has this id.") }
        try Self.requireCurrent(current, shown: body.documentSha256)
        let original = try await self.bytes(of: current.file)
        guard Self.sha256(original) == current.file.sha256 else {
            throw MediaStorageError.failed("the stored bytes of document \(current.id) do not match their recorded SHA-256")
        }
        let signedAt = self.clock.now
        let copyID = self.ids.next()
        let certificate = SignatureCertificate(document: current, request: body, signedAt: signedAt)
        let pdf = try certificate.pdf(original: original)
        guard let key = MediaKey(stored: "signed/\(current.propertyId.lowercased)/\(copyID.lowercased)") else {
            throw MediaStorageError.failed("could not make a signed copy's key")
        }
        let spooled = try self.spool(pdf)
        try await self.documents.storage.store(spooled, key: key, contentType: "application/pdf")
        do {
            return try await self.postgres.transaction(logger: logger) { connection in
                let still = try await connection.query(
                    "SELECT is_latest_version AND deleted_at IS NULL FROM media.documents WHERE id = \(current.id) FOR SHARE", logger: logger)
                for try await isCurrent in still.decode(Bool.self) where !isCurrent { try Self.requireCurrent(nil, shown: body.documentSha256) }
                let signatureID = self.ids.next()
                let rows = try await connection.query(
                    """
                    INSERT INTO media.signatures AS g (
                        id, document_id, signer_id, requested_by, status, signed_at, signature_type, ip_address, user_agent,
                        typed_name, document_sha256, esign_consent_version, esign_consent_text, esign_consented_at
                    )
                    VALUES (
                        \(signatureID), \(current.id), \(body.signerId), \(body.signerId), 'signed', \(signedAt), 'electronic',
                        \(body.ipAddress)::inet, \(body.userAgent), \(body.typedName), \(body.documentSha256), \(body.consentVersion),
                        \(body.consentText), \(signedAt)
                    )
                    ON CONFLICT (document_id, signer_id) DO UPDATE SET
                        status = 'signed', signed_at = EXCLUDED.signed_at, declined_at = NULL, signature_type = 'electronic',
                        ip_address = EXCLUDED.ip_address, user_agent = EXCLUDED.user_agent, typed_name = EXCLUDED.typed_name,
                        document_sha256 = EXCLUDED.document_sha256, esign_consent_version = EXCLUDED.esign_consent_version,
                        esign_consent_text = EXCLUDED.esign_consent_text, esign_consented_at = EXCLUDED.esign_consented_at
                    -- A pending (or declined, or plainly answered) request becomes this signature; an ESIGN one stays.
                    WHERE g.esign_consented_at IS NULL
                    RETURNING g.id
                    """,
                    logger: logger
                )
                var signature: UUID?
                for try await value in rows.decode(UUID.self) { signature = value }
                guard let signature else { throw Problem.conflict("You have already signed this version of \(current.name).") }
                try await connection.query(
                    """
                    INSERT INTO media.signed_copies (
                        id, signature_id, document_id, property_id, signer_id, sponsor_id, offering_id, file_name, file_size, file_hash,
                        original_sha256, storage_key
                    )
                    VALUES (
                        \(copyID), \(signature), \(current.id), \(current.propertyId), \(body.signerId), \(body.sponsorId), \(body.offeringId),
                        \(certificate.fileName), \(spooled.size), \(spooled.sha256), \(current.file.sha256), \(key.path)
                    )
                    """,
                    logger: logger
                )
                let url = Self.signedCopyURL(signature)
                try await self.documents.outbox.publish(
                    MediaDocumentSigned(
                        signatureId: signature, documentId: current.id, propertyId: current.propertyId, sponsorId: body.sponsorId,
                        offeringId: body.offeringId, signerId: body.signerId, title: current.name, version: current.version,
                        documentSha256: current.file.sha256, signedCopyUrl: url, signedAt: signedAt
                    ),
                    on: connection, logger: logger
                )
                return DocumentSignatureReceipt(
                    signatureId: signature, documentId: current.id, version: current.version, documentSha256: current.file.sha256,
                    typedName: body.typedName, signedAt: signedAt, signedCopyUrl: url, signedCopySha256: spooled.sha256
                )
            }
        } catch {
            try? await self.documents.storage.delete(key)
            throw error
        }
    }

    /// 409 unless `shown` is the hash of the version current now (`nil`: it stopped being current).
    static func requireCurrent(_ current: DocumentRecord?, shown: String) throws {
        guard let current else {
            throw Problem(
                .conflict, detail: "A new version of this document was uploaded while you signed; read it and sign again.",
                type: "https://tract.dev/problems/document-version-changed")
        }
        guard current.file.sha256 == shown else {
            throw Problem(
                .conflict,
                detail:
                    "The document you were shown is not the current version of \(current.name): version \(current.version) is current; read it and sign that.",
                type: "https://tract.dev/problems/document-version-changed",
                extensions: [
                    "document_id": .string(current.id.lowercased), "version": .number(Double(current.version)),
                    "document_sha256": .string(current.file.sha256),
                ]
            )
        }
    }

    func signedCopy(_ signature: UUID, logger: Logger) async throws -> SignedCopy? {
        let rows = try await self.postgres.query(
            """
            SELECT signer_id, sponsor_id, property_id, storage_key, file_size, file_hash, file_name
            FROM media.signed_copies WHERE signature_id = \(signature)
            """,
            logger: logger
        )
        for try await (signer, sponsor, property, stored, size, hash, name) in rows.decode((UUID, UUID, UUID, String, Int, String, String).self) {
            guard let key = MediaKey(stored: stored) else { throw MediaStorageError.failed("malformed storage key \(stored)") }
            return SignedCopy(
                signerId: signer, sponsorId: sponsor, propertyId: property,
                file: StoredFile(key: key, size: size, mimeType: "application/pdf", sha256: hash, fileName: name, attachment: true)
            )
        }
        return nil
    }

    private func bytes(of file: StoredFile) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(file.size)
        for try await chunk in try await self.documents.storage.read(file.key, range: nil) { bytes += chunk.readableBytesView }
        return bytes
    }

    /// The copy as a spooled file beside the uploads, so storing it is the same move as an upload's.
    private func spool(_ bytes: [UInt8]) throws -> SpooledUpload {
        let directory = self.documents.storage.spoolDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("signed-\(UUID().uuidString.lowercased())")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw MediaStorageError.failed("could not create a spool file in \(directory.path)")
        }
        return SpooledUpload(file: file, size: bytes.count, sha256: Self.sha256(bytes), head: Array(bytes.prefix(UploadSpool.headLength)))
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// What the certificate page says, and its JSON twin (pure).
struct SignatureCertificate: Sendable {
    let document: DocumentRecord
    let request: DocumentSigningRequest
    let signedAt: Date

    /// The JSON attachment: every value exactly as recorded.
    struct Record: Codable, Sendable {
        var documentId: UUID
        var documentTitle: String
        var documentVersion: Int
        var documentSha256: String
        var documentFileName: String
        var documentFileType: String
        var documentFileSize: Int
        var signerId: UUID
        var typedName: String
        var signedAt: Date
        var ipAddress: String?
        var userAgent: String?
        var offeringId: UUID?
        var esignConsentVersion: String
        var esignConsentText: String
    }

    var originalName: String { self.document.file.fileName ?? self.document.name }

    var fileName: String {
        let stem = self.document.name.prefix(200)
        return "\(stem) v\(self.document.version) (signed).pdf"
    }

    var lines: [SigningCertificatePDF.Line] {
        let file = self.document.file
        return [
            ("Document", "\(self.document.name), version \(self.document.version) (id \(self.document.id.lowercased))"),
            ("SHA-256 of the version signed", file.sha256),
            ("Original file (attached unchanged)", "\(self.originalName), \(file.mimeType), \(file.size) bytes"),
            ("Signed by (name as typed)", self.request.typedName),
            ("Signer's account", self.request.signerId.lowercased),
            ("Signed at (UTC)", RFC3339.string(from: self.signedAt)),
            ("IP address", self.request.ipAddress ?? "not recorded"),
            ("User agent", self.request.userAgent ?? "not recorded"),
            ("Offering", self.request.offeringId?.lowercased ?? "none"),
            ("Consent to electronic records and signatures (version \(self.request.consentVersion))", self.request.consentText),
        ]
    }

    var record: Record {
        Record(
            documentId: self.document.id, documentTitle: self.document.name, documentVersion: self.document.version,
            documentSha256: self.document.file.sha256, documentFileName: self.originalName, documentFileType: self.document.file.mimeType,
            documentFileSize: self.document.file.size, signerId: self.request.signerId, typedName: self.request.typedName,
            signedAt: self.signedAt, ipAddress: self.request.ipAddress, userAgent: self.request.userAgent, offeringId: self.request.offeringId,
            esignConsentVersion: self.request.consentVersion, esignConsentText: self.request.consentText
        )
    }

    func pdf(original: [UInt8]) throws -> [UInt8] {
        let json = try JSONEncoder.tract.encode(self.record)
        return SigningCertificatePDF.make(
            title: "Electronic signature certificate",
            lines: self.lines,
            attachments: [
                .init(
                    name: self.originalName, mimeType: self.document.file.mimeType, bytes: original,
                    description: "The document as signed, byte for byte (SHA-256 \(self.document.file.sha256))"),
                .init(
                    name: "signature-certificate.json", mimeType: "application/json", bytes: Array(json),
                    description: "This certificate's values, exactly as recorded"),
            ]
        )
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
