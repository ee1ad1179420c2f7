import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/offerings/{id}/documents` (issue 22): an offering's PPM, subscription agreement and
/// operating agreement, each a media document of the offering's property (its current version is
/// what counts: media's version history is the versioning), and the investor's ESIGN signature on
/// the subscription agreement, which commits and fundings wait for (`SignatureGate`).
struct OfferingDocumentController: RouteController {
    let offerings: OfferingStore
    let store: OfferingDocumentStore
    let signing: DocumentSigningClient
    let trustedProxies: TrustedProxies

    static let kinds: Set = ["ppm", "subscription_agreement", "operating_agreement"]

    struct AttachBody: Codable, Sendable {
        var documentId: UUID
    }

    /// What the investor sends when signing: the hash of the version they were shown, their name
    /// as typed, and their consent to electronic records with the consent's version.
    struct SignBody: Codable, Sendable {
        var documentSha256: String
        var typedName: String
        var esignConsent: Bool
        var consentVersion: String

        /// 422 naming every field that is wrong.
        func check() throws {
            var errors = FieldErrors()
            if self.documentSha256.wholeMatch(of: /[0-9a-f]{64}/) == nil {
                errors.add("document_sha256", "must be the SHA-256 of the version you read, as 64 lowercase hex digits")
            }
            errors.text("typed_name", self.typedName, max: 200, required: true)
            if self.typedName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                errors.add("typed_name", "must not contain control characters")
            }
            // ESIGN §7001(c)(1)(A): the consent must be given affirmatively, not presumed.
            if !self.esignConsent { errors.add("esign_consent", "must be true: you consent to electronic records and signatures to sign here") }
            if self.consentVersion != ESignConsent.version {
                errors.add("consent_version", "must be \(ESignConsent.version), the consent shown with the offering's documents")
            }
            try errors.check()
        }
    }

    /// Mounted at `/v1/offerings/:id/documents`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.list)
            .put(":kind", use: self.attach)
            .delete(":kind", use: self.detach)
            // `:kind/sign`, not the literal `subscription_agreement/sign`: the router does not step back
            // from a literal segment, which would hide `PUT …/subscription_agreement` behind it.
            .post(":kind/sign", use: self.sign)
    }

    /// The attached documents with their current versions, the caller's signature on the
    /// subscription agreement, and the consent text a signer agrees to.
    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try await self.visibleOffering(context)
        let user = context.identity.userID
        var entries: [Entry] = []
        for attached in try await self.store.attached(to: offering.id, logger: context.logger) {
            let signer = attached.kind == "subscription_agreement" ? user : nil
            let facts = try await self.signing.facts(attached.documentId, signer: signer, context: context.callContext)
            entries.append(Entry(attached, facts: facts, asked: signer != nil))
        }
        let listing = Listing(data: entries, esignConsent: Consent(version: ESignConsent.version, text: ESignConsent.text))
        return JSONDocument(try Self.encode(listing))
    }

    /// Attaches (or replaces) the document of a kind: the offering's sponsor or an admin, with a
    /// document of the offering's property that investors may read.
    @Sendable func attach(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try await self.managedOffering(context)
        let kind = try Self.kind(context)
        let body = try await request.decode(as: AttachBody.self, context: context)
        let user = try context.identity.requireUser("Only users attach offering documents.")
        guard let facts = try await self.signing.facts(body.documentId, signer: nil, context: context.callContext) else {
            throw Problem.validation(field: "document_id", "no document has this id")
        }
        guard facts.propertyId == offering.propertyId else {
            throw Problem.validation(field: "document_id", "is a document of another property; attach one of this offering's property")
        }
        guard facts.visibility != "private" else {
            throw Problem.validation(field: "document_id", "is private; set its visibility to investors so the offering's investors can read it")
        }
        let attached = try await self.store.attach(body.documentId, as: kind, to: offering.id, by: user, logger: context.logger)
        return JSONDocument(try Self.encode(Entry(attached, facts: facts, asked: false)))
    }

    @Sendable func detach(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let offering = try await self.managedOffering(context)
        let kind = try Self.kind(context)
        guard try await self.store.detach(kind, from: offering.id, logger: context.logger) else {
            throw Problem.notFound("This offering has no \(kind.replacingOccurrences(of: "_", with: " ")) attached.")
        }
        return .noContent
    }

    /// The investor signs the current subscription agreement (ESIGN/UETA): properties records the
    /// signature with this request's address and user agent and stores the signed copy.
    @Sendable func sign(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try await self.visibleOffering(context)
        guard try Self.kind(context) == "subscription_agreement" else {
            throw Problem.notFound("Only the subscription agreement is signed here.")
        }
        // Who may sign and what there is to sign come before the body, so a caller who may not
        // sign here is told so whatever they sent.
        let user = try context.identity.requireUser("Only users sign subscription agreements.")
        guard let agreement = try await self.store.document("subscription_agreement", of: offering.id, logger: context.logger) else {
            throw Problem.notFound("This offering has no subscription agreement to sign.")
        }
        let body = try await request.decode(as: SignBody.self, context: context)
        try body.check()
        let relayed = DocumentSigningRequest(
            signerId: user, sponsorId: offering.sponsorId, offeringId: offering.id, documentSha256: body.documentSha256,
            typedName: body.typedName.trimmingCharacters(in: .whitespaces), consentVersion: ESignConsent.version, consentText: ESignConsent.text,
            ipAddress: ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies),
            userAgent: request.headers[.userAgent].map { String($0.prefix(1000)) }
        )
        let receipt = try await self.signing.sign(agreement, relayed, context: context.callContext)
        return JSONDocument(try Self.encode(receipt), status: .created)
    }

    private func visibleOffering(_ context: AuthenticatedContext) async throws -> Offering {
        let id = try OfferingController.id(context)
        guard let offering = try await self.offerings.find(id, logger: context.logger), offering.isVisible(to: context.identity) else {
            throw Problem.notFound("No offering has this id.")
        }
        return offering
    }

    private func managedOffering(_ context: AuthenticatedContext) async throws -> Offering {
        let offering = try await self.visibleOffering(context)
        guard offering.canManage(context.identity) else { throw Problem.forbidden("Only the offering's sponsor or an admin changes its documents.") }
        return offering
    }

    static func kind(_ context: AuthenticatedContext) throws -> String {
        let kind = try context.parameters.require("kind")
        guard Self.kinds.contains(kind) else {
            throw Problem.validation(field: "kind", "must be one of: \(Self.kinds.sorted().joined(separator: ", "))")
        }
        return kind
    }

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.tract.encode(value), as: UTF8.self)
    }

    /// At most one document per kind, so three at most: a fixed set, not a paged list.
    struct Listing: Codable, Sendable {
        var data: [Entry]
        var esignConsent: Consent
    }

    struct Consent: Codable, Sendable {
        var version: String
        var text: String
    }

    /// One attached document: the id attached, its current version, and for the subscription
    /// agreement the caller's signature on that version (`null` when they have not signed it).
    struct Entry: Codable, Sendable {
        var kind: String
        var documentId: UUID
        var attachedAt: Date
        var current: Current?
        var signatureRequired: Bool
        var yourSignature: DocumentSignatureReceipt?

        struct Current: Codable, Sendable {
            var documentId: UUID
            var title: String
            var version: Int
            var sha256: String
            var fileType: String
            var fileSize: Int
            var contentUrl: String

            /// Ids lowercase, as in the JSON Postgres builds for the rest of the API.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(self.documentId.uuidString.lowercased(), forKey: .documentId)
                try container.encode(self.title, forKey: .title)
                try container.encode(self.version, forKey: .version)
                try container.encode(self.sha256, forKey: .sha256)
                try container.encode(self.fileType, forKey: .fileType)
                try container.encode(self.fileSize, forKey: .fileSize)
                try container.encode(self.contentUrl, forKey: .contentUrl)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.kind, forKey: .kind)
            try container.encode(self.documentId.uuidString.lowercased(), forKey: .documentId)
            try container.encode(self.attachedAt, forKey: .attachedAt)
            try container.encodeIfPresent(self.current, forKey: .current)
            try container.encode(self.signatureRequired, forKey: .signatureRequired)
            try container.encodeIfPresent(self.yourSignature, forKey: .yourSignature)
        }

        init(_ attached: OfferingDocumentStore.Attached, facts: DocumentSigningFacts?, asked: Bool) {
            self.kind = attached.kind
            self.documentId = attached.documentId
            self.attachedAt = attached.attachedAt
            self.current = facts.map {
                Current(
                    documentId: $0.documentId, title: $0.title, version: $0.version, sha256: $0.sha256, fileType: $0.fileType, fileSize: $0.fileSize,
                    contentUrl: "/v1/media/documents/\($0.documentId.uuidString.lowercased())")
            }
            self.signatureRequired = attached.kind == "subscription_agreement"
            self.yourSignature = asked ? facts?.signature : nil
        }
    }
}

/// `investments.offering_documents`: which media document each kind names.
struct OfferingDocumentStore: Sendable {
    let postgres: PostgresClient

    struct Attached: Sendable {
        var kind: String
        var documentId: UUID
        var attachedAt: Date
    }

    /// In a fixed order: PPM, subscription agreement, operating agreement.
    func attached(to offering: UUID, logger: Logger) async throws -> [Attached] {
        let rows = try await self.postgres.query(
            """
            SELECT kind, document_id, attached_at FROM investments.offering_documents WHERE offering_id = \(offering)
            ORDER BY array_position(ARRAY['ppm', 'subscription_agreement', 'operating_agreement']::text[], kind::text)
            """,
            logger: logger
        )
        var all: [Attached] = []
        for try await (kind, document, at) in rows.decode((String, UUID, Date).self) {
            all.append(Attached(kind: kind, documentId: document, attachedAt: at))
        }
        return all
    }

    func document(_ kind: String, of offering: UUID, logger: Logger) async throws -> UUID? {
        let rows = try await self.postgres.query(
            "SELECT document_id FROM investments.offering_documents WHERE offering_id = \(offering) AND kind = \(kind)", logger: logger)
        for try await id in rows.decode(UUID.self) { return id }
        return nil
    }

    func attach(_ document: UUID, as kind: String, to offering: UUID, by user: UUID, logger: Logger) async throws -> Attached {
        let rows = try await self.postgres.query(
            """
            INSERT INTO investments.offering_documents (offering_id, kind, document_id, attached_by) VALUES (\(offering), \(kind), \(document), \(user))
            ON CONFLICT (offering_id, kind) DO UPDATE SET document_id = EXCLUDED.document_id, attached_by = EXCLUDED.attached_by, attached_at = now()
            RETURNING attached_at
            """,
            logger: logger
        )
        for try await at in rows.decode(Date.self) { return Attached(kind: kind, documentId: document, attachedAt: at) }
        throw Problem.conflict("The document could not be attached; try again.")
    }

    func detach(_ kind: String, from offering: UUID, logger: Logger) async throws -> Bool {
        let rows = try await self.postgres.query(
            "DELETE FROM investments.offering_documents WHERE offering_id = \(offering) AND kind = \(kind) RETURNING 1", logger: logger)
        for try await _ in rows { return true }
        return false
    }
}
