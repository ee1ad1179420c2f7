import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Shares (`/v1/documents/{id}/shares`, seed 001 §2.5 `document_shares`) and signature requests
/// (`/v1/documents/{id}/signature-requests`, `signatures`) on a document version.
///
/// A share goes to a user, or — without `shared_with` — becomes a link: `GET
/// /v1/media/shares/{token}` (`MediaFileController`) downloads the file with no account until the
/// share expires or is revoked. The token is `<share id>.<secret>`: the row is found by id and the
/// secret's SHA-256 compared in constant time, so only the hash is stored and lookups leak nothing
/// about it.
struct DocumentShareController: RouteController {
    let store: DocumentShareStore
    let gate: PropertyGate
    let trustedProxies: TrustedProxies

    static let maximumLifetime: TimeInterval = 90 * 24 * 3600
    static let defaultLinkLifetime: TimeInterval = 7 * 24 * 3600

    /// Mounted at `/v1/documents/:id`: sharing and signing are for signed-in users.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post("shares", use: self.share).get("shares", use: self.shares)
            .delete("shares/:share_id", use: self.revoke)
            .post("signature-requests", use: self.requestSignature).get("signature-requests", use: self.signatureRequests)
            .patch("signature-requests/:signature_id", use: self.answer)
    }

    @Sendable func share(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let document = try await self.managed(context)
        let body = try await request.decode(as: ShareRequest.self, context: context)
        let user = try context.identity.requireUser("Only users change listing media.")
        let (id, json) = try await self.store.share(document, body, by: user, logger: context.logger)
        return JSONDocument(json, status: .created, headers: [.location: "/v1/documents/\(document.id.lowercased)/shares/\(id.lowercased)"])
    }

    @Sendable func shares(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let document = try await self.managed(context)
        return try await self.store.shares(of: document.id, page: try PageRequest(request, order: DocumentShareStore.idOrder), logger: context.logger)
    }

    @Sendable func revoke(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let document = try await self.managed(context)
        let shareID = try context.parameters.uuid("share_id", "share")
        let user = try context.identity.requireUser("Only users change listing media.")
        try await self.store.revoke(shareID, of: document.id, by: user, logger: context.logger)
        return .noContent
    }

    @Sendable func requestSignature(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let document = try await self.managed(context)
        let body = try await request.decode(as: SignatureRequestBody.self, context: context)
        try body.check()
        let user = try context.identity.requireUser("Only users change listing media.")
        let (id, json) = try await self.store.requestSignature(of: document, body, by: user, logger: context.logger)
        return JSONDocument(
            json, status: .created, headers: [.location: "/v1/documents/\(document.id.lowercased)/signature-requests/\(id.lowercased)"])
    }

    @Sendable func signatureRequests(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        // Editors see every request; a signer sees their own.
        let (document, editor) = try await self.document(context)
        let signer = editor ? nil : try context.identity.requireUser("Only users change listing media.")
        let page = try PageRequest(request, order: DocumentShareStore.idOrder)
        return try await self.store.signatureRequests(of: document.id, signer: signer, page: page, logger: context.logger)
    }

    @Sendable func answer(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let signatureID = try context.parameters.uuid("signature_id", "signature request")
        let documentID = try context.parameters.uuid("id", "document")
        let answer = try await request.decode(as: SignatureAnswer.self, context: context)
        try answer.check()
        let user = try context.identity.requireUser("Only users change listing media.")
        let address = ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies)
            .flatMap { $0.wholeMatch(of: /[0-9a-fA-F:.]{2,45}/) != nil ? $0 : nil }
        let userAgent = request.headers[.userAgent].map { String($0.prefix(1000)) }
        return JSONDocument(
            try await self.store.answer(
                signatureID, of: documentID, answer, by: user, address: address, userAgent: userAgent, logger: context.logger
            )
        )
    }

    /// The document, and whether the caller may manage it (its property's editors).
    private func document(_ context: AuthenticatedContext) async throws -> (DocumentRecord, Bool) {
        let notFound = Problem.notFound("No document has this id.")
        let documents = self.store.documents
        guard let document = try await documents.find(try context.parameters.uuid("id", "document"), logger: context.logger) else {
            throw notFound
        }
        let access = PropertyAccess(identity: context.identity)
        if let property = try? await self.gate.readable(document.propertyId, access: access, logger: context.logger) {
            if access.canEdit(property) { return (document, true) }
            if DocumentAccess(access: access).canRead(document, of: property) { return (document, false) }
        }
        guard let user = access.userID, try await documents.isGranted(document, to: user, forDownload: false, logger: context.logger)
        else { throw notFound }
        return (document, false)
    }

    /// The document when the caller manages it: 404 when they cannot see it, 403 when they only can.
    private func managed(_ context: AuthenticatedContext) async throws -> DocumentRecord {
        let (document, editor) = try await self.document(context)
        guard editor else { throw Problem.forbidden("Only the property's sponsor or an admin may share this document or ask for signatures.") }
        return document
    }
}

/// `media.document_shares` and `media.signatures`: the grants on a document version, with their
/// events. Times and ids come from the service's clock and id generator.
struct DocumentShareStore: Sendable {
    let documents: DocumentStore
    let clock: ServiceClock
    let ids: IDGenerator

    var postgres: PostgresClient { self.documents.postgres }
    var outbox: OutboxPublisher { self.documents.outbox }

    /// Shares and signature requests, in the order they were made (ids are UUIDv7).
    static let idOrder = Keyset("id", key: "x.id", type: "uuid", descending: false)

    /// Shares `document` as `body` asks; the new share's id and JSON (a link's with its token and
    /// URL, shown this once: only the token's hash is kept).
    func share(_ document: DocumentRecord, _ body: ShareRequest, by user: UUID, logger: Logger) async throws -> (id: UUID, json: String) {
        let expiresAt = try body.expiry(now: self.clock.now, isLink: body.sharedWith == nil)
        let id = self.ids.next()
        var token: String?
        var tokenHash: String?
        if body.sharedWith == nil {
            let secret = SecretToken.make()
            token = ShareToken.format(id: id, secret: secret)
            tokenHash = SecretToken.hash(secret)
        }
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO media.document_shares AS s (id, document_id, shared_by, shared_with, token_hash, can_download, expires_at)
                VALUES (\(id), \(document.id), \(user), \(body.sharedWith), \(tokenHash), \(body.canDownload ?? true), \(expiresAt))
                ON CONFLICT (document_id, shared_with) WHERE revoked_at IS NULL AND shared_with IS NOT NULL DO NOTHING
                RETURNING media.share_document(s)::text
                """,
                logger: logger
            )
            var json: String?
            for try await text in rows.decode(String.self) { json = text }
            guard var json else {
                throw Problem.conflict("The document is already shared with this user; revoke that share to change it.")
            }
            try await self.outbox.publish(
                MediaDocumentShared(shareId: id, documentId: document.id, sharedBy: user, sharedWith: body.sharedWith, expiresAt: expiresAt),
                on: connection, logger: logger
            )
            if let token, json.hasSuffix("}") {
                json.removeLast()
                json += ",\"token\":\"\(token)\",\"url\":\"/v1/media/shares/\(token)\"}"
            }
            return (id, json)
        }
    }

    /// A page of the document's shares, live and revoked, oldest first.
    func shares(of document: UUID, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        let sql = """
            SELECT media.share_document(x)::text, \(page.selectKey), x.id FROM media.document_shares x
            WHERE x.document_id = \(binds.add(document)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// Revokes the share (once: `media.document_share_revoked` is published the first time); 404
    /// when the document has no share of this id.
    func revoke(_ shareID: UUID, of document: UUID, by user: UUID, logger: Logger) async throws {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE media.document_shares SET revoked_at = coalesce(revoked_at, now())
                WHERE id = \(shareID) AND document_id = \(document) RETURNING revoked_at = now()
                """,
                logger: logger
            )
            var newlyRevoked: Bool?
            for try await value in rows.decode(Bool.self) { newlyRevoked = value }
            guard let newlyRevoked else { throw Problem.notFound("No share of this document has this id.") }
            if newlyRevoked {
                try await self.outbox.publish(
                    MediaDocumentShareRevoked(shareId: shareID, documentId: document, revokedBy: user), on: connection, logger: logger
                )
            }
        }
    }

    /// Asks `body.signerId` to sign; the request's id and JSON. 409 when they were already asked.
    func requestSignature(of document: DocumentRecord, _ body: SignatureRequestBody, by user: UUID, logger: Logger) async throws
        -> (id: UUID, json: String)
    {
        let id = self.ids.next()
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                INSERT INTO media.signatures AS g (id, document_id, signer_id, requested_by, verification_method)
                VALUES (\(id), \(document.id), \(body.signerId), \(user), \(body.verificationMethod))
                ON CONFLICT (document_id, signer_id) DO NOTHING
                RETURNING media.signature_document(g)::text
                """,
                logger: logger
            )
            var json: String?
            for try await text in rows.decode(String.self) { json = text }
            guard let json else { throw Problem.conflict("This user has already been asked to sign this document.") }
            try await self.outbox.publish(
                MediaSignatureRequested(signatureId: id, documentId: document.id, signerId: body.signerId, requestedBy: user),
                on: connection, logger: logger
            )
            return (id, json)
        }
    }

    /// A page of the document's signature requests, oldest first: all of them, or `signer`'s only.
    func signatureRequests(of document: UUID, signer: UUID?, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        var binds = SQLBinds()
        var conditions = ["x.document_id = \(binds.add(document))"]
        if let signer { conditions.append("x.signer_id = \(binds.add(signer))") }
        conditions.append(page.after(&binds))
        let sql = """
            SELECT media.signature_document(x)::text, \(page.selectKey), x.id FROM media.signatures x
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    /// The signer's answer to a pending request; the request's JSON. 404 unless `user` is its
    /// signer (to anyone else it does not exist), 409 once it was answered.
    func answer(
        _ signatureID: UUID, of documentID: UUID, _ answer: SignatureAnswer, by user: UUID, address: String?, userAgent: String?,
        logger: Logger
    ) async throws -> String {
        try await self.postgres.transaction(logger: logger) { connection in
            let current = try await connection.query(
                "SELECT signer_id, status FROM media.signatures WHERE id = \(signatureID) AND document_id = \(documentID) FOR UPDATE",
                logger: logger
            )
            var found: (UUID, String)?
            for try await row in current.decode((UUID, String).self) { found = row }
            guard let (signer, status) = found, signer == user else { throw Problem.notFound("No signature request of yours has this id.") }
            guard status == "pending" else { throw Problem.conflict("This request was already answered (\(status)).") }
            let rows = try await connection.query(
                """
                UPDATE media.signatures AS g SET status = \(answer.status),
                    signed_at = CASE WHEN \(answer.status) = 'signed' THEN now() END,
                    declined_at = CASE WHEN \(answer.status) = 'declined' THEN now() END,
                    signature_type = CASE WHEN \(answer.status) = 'signed' THEN coalesce(\(answer.signatureType), 'electronic') END,
                    signature_data = \(answer.signatureData), ip_address = \(address)::inet, user_agent = \(userAgent)
                WHERE id = \(signatureID)
                RETURNING media.signature_document(g)::text
                """,
                logger: logger
            )
            var json = ""
            for try await text in rows.decode(String.self) { json = text }
            try await self.outbox.publish(
                MediaSignatureAnswered(signatureId: signatureID, documentId: documentID, signerId: user, status: answer.status),
                on: connection, logger: logger
            )
            return json
        }
    }

    /// The file a link token opens, once the share is live: 404 for a token that is not one,
    /// 410 for a share that expired or was revoked, 403 when it allows viewing but not downloading.
    func redeem(token: String, logger: Logger) async throws -> StoredFile {
        let notFound = Problem.notFound("No share has this token.")
        guard let (id, secret) = ShareToken.parse(token) else { throw notFound }
        return try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT s.token_hash, s.revoked_at IS NOT NULL, s.expires_at IS NOT NULL AND s.expires_at <= now(), s.can_download,
                    s.document_id
                FROM media.document_shares s WHERE s.id = \(id) AND s.token_hash IS NOT NULL FOR UPDATE
                """,
                logger: logger
            )
            var found: (String, Bool, Bool, Bool, UUID)?
            for try await row in rows.decode((String, Bool, Bool, Bool, UUID).self) { found = row }
            guard let (storedHash, revoked, expired, canDownload, documentID) = found,
                SecretToken.constantTimeEquals(storedHash, SecretToken.hash(secret))
            else { throw notFound }
            if revoked { throw Problem(.gone, detail: "This share was revoked.", type: "https://tract.dev/problems/share-revoked") }
            if expired { throw Problem(.gone, detail: "This share has expired.", type: "https://tract.dev/problems/share-expired") }
            guard canDownload else { throw Problem.forbidden("This share does not allow downloading.") }
            guard let document = try await self.documents.find(documentID, logger: logger) else {
                throw Problem(.gone, detail: "The shared document was deleted.")
            }
            try await connection.query(
                "UPDATE media.document_shares SET accessed_at = now(), access_count = access_count + 1 WHERE id = \(id)",
                logger: logger
            )
            return document.file
        }
    }
}

/// Link-share tokens (pure): `<share id>.<SecretToken secret>`.
enum ShareToken {
    static func format(id: UUID, secret: String) -> String { "\(id.lowercased).\(secret)" }

    static func parse(_ token: String) -> (UUID, String)? {
        guard token.count <= 200, let dot = token.firstIndex(of: "."), let id = UUID(uuidString: String(token[..<dot])) else { return nil }
        let secret = String(token[token.index(after: dot)...])
        guard secret.count >= 32 else { return nil }
        return (id, secret)
    }
}

/// `POST /v1/documents/{id}/shares`: to `shared_with`, or a link when it is absent. Links expire
/// (default 7 days); user shares may. Either way at most 90 days ahead.
struct ShareRequest: Codable, Sendable {
    var sharedWith: UUID?
    var expiresAt: Date?
    var expiresInSeconds: Int?
    var canDownload: Bool?

    func expiry(now: Date, isLink: Bool) throws -> Date? {
        if self.expiresAt != nil, self.expiresInSeconds != nil {
            throw Problem.validation(field: "expires_in_seconds", "give expires_at or expires_in_seconds, not both")
        }
        let expiry =
            self.expiresAt ?? self.expiresInSeconds.map { now.addingTimeInterval(TimeInterval($0)) }
            ?? (isLink ? now.addingTimeInterval(DocumentShareController.defaultLinkLifetime) : nil)
        if let expiry {
            let field = self.expiresAt != nil ? "expires_at" : "expires_in_seconds"
            if expiry <= now { throw Problem.validation(field: field, "must be in the future") }
            if expiry > now.addingTimeInterval(DocumentShareController.maximumLifetime) {
                throw Problem.validation(field: field, "must be at most 90 days ahead")
            }
        }
        return expiry
    }
}

struct SignatureRequestBody: Codable, Sendable {
    var signerId: UUID
    var verificationMethod: String?

    /// 422 naming every field that is wrong.
    func check() throws {
        var errors = FieldErrors()
        errors.oneOf("verification_method", self.verificationMethod, ["email", "sms", "id_verification"])
        try errors.check()
    }
}

/// The signer's answer: `signed` or `declined`, from `pending` only.
struct SignatureAnswer: Codable, Sendable {
    var status: String
    var signatureType: String?
    var signatureData: String?

    /// 422 naming every field that is wrong.
    func check() throws {
        var errors = FieldErrors()
        errors.oneOf("status", self.status, ["signed", "declined"])
        errors.oneOf("signature_type", self.signatureType, ["electronic", "digital"])
        errors.text("signature_data", self.signatureData, max: 10_000, multiline: true)
        try errors.check()
    }
}
