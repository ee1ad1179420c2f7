import Foundation

/// Investing paperwork (issue 22): what `investments` and `properties` (which keeps the documents
/// in `media`) say to each other about a document that must be signed before money moves, over
/// `/internal/v1/documents/{id}/signing` (scope `internal:documents.sign`), and the event a
/// signature makes.

/// The version of a document's name that is current now, and whether one user has signed it
/// (ESIGN-signed, with consent recorded: a plain answered signature request does not count).
public struct DocumentSigningFacts: Codable, Sendable, Equatable {
    /// The current version's own id (each version of a media document is a row of its own).
    public var documentId: UUID
    public var propertyId: UUID
    /// The document's name: the title shown to the signer and on the certificate.
    public var title: String
    public var version: Int
    /// SHA-256 of the current version's exact bytes, lowercase hex.
    public var sha256: String
    public var fileType: String
    public var fileSize: Int
    /// `private`, `investors` or `public`: who may read it in media (an offering's investors need
    /// `investors` or `public`).
    public var visibility: String
    /// The property's sponsor (its owner), who may attach its documents to the offering on it.
    public var sponsorId: UUID
    /// The asked-about signer's signature on this version, when they have signed it.
    public var signature: DocumentSignatureReceipt?

    public init(
        documentId: UUID, propertyId: UUID, title: String, version: Int, sha256: String, fileType: String, fileSize: Int, visibility: String,
        sponsorId: UUID, signature: DocumentSignatureReceipt?
    ) {
        self.documentId = documentId
        self.propertyId = propertyId
        self.title = title
        self.version = version
        self.sha256 = sha256
        self.fileType = fileType
        self.fileSize = fileSize
        self.visibility = visibility
        self.sponsorId = sponsorId
        self.signature = signature
    }
}

/// A completed signature: where the signed copy is and what it attests.
public struct DocumentSignatureReceipt: Codable, Sendable, Equatable {
    public var signatureId: UUID
    public var documentId: UUID
    public var version: Int
    /// The SHA-256 the signer was shown and signed, equal to the version's own.
    public var documentSha256: String
    public var typedName: String
    public var signedAt: Date
    /// `GET` it (as the signer, the sponsor or an admin) for the signed copy's bytes.
    public var signedCopyUrl: String
    /// SHA-256 of the signed copy file itself.
    public var signedCopySha256: String

    public init(
        signatureId: UUID, documentId: UUID, version: Int, documentSha256: String, typedName: String, signedAt: Date, signedCopyUrl: String,
        signedCopySha256: String
    ) {
        self.signatureId = signatureId
        self.documentId = documentId
        self.version = version
        self.documentSha256 = documentSha256
        self.typedName = typedName
        self.signedAt = signedAt
        self.signedCopyUrl = signedCopyUrl
        self.signedCopySha256 = signedCopySha256
    }

    private enum CodingKeys: String, CodingKey {
        case signatureId, documentId, version, documentSha256, typedName, signedAt, signedCopyUrl, signedCopySha256
    }

    /// Ids leave lowercase, as in the JSON Postgres builds for the rest of the API.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.signatureId.uuidString.lowercased(), forKey: .signatureId)
        try container.encode(self.documentId.uuidString.lowercased(), forKey: .documentId)
        try container.encode(self.version, forKey: .version)
        try container.encode(self.documentSha256, forKey: .documentSha256)
        try container.encode(self.typedName, forKey: .typedName)
        try container.encode(self.signedAt, forKey: .signedAt)
        try container.encode(self.signedCopyUrl, forKey: .signedCopyUrl)
        try container.encode(self.signedCopySha256, forKey: .signedCopySha256)
    }
}

/// `POST /internal/v1/documents/{id}/signing`: sign the current version for `signerId`, who
/// consented and typed their name at the calling service; it relays what the signer's request
/// carried (address, user agent) because the signer never talks to properties directly here.
public struct DocumentSigningRequest: Codable, Sendable, Equatable {
    public var signerId: UUID
    /// Who may download the signed copy besides the signer and the property's editors: the
    /// offering's sponsor.
    public var sponsorId: UUID
    public var offeringId: UUID?
    /// The hash the signer was shown; refused (409) unless it is the current version's.
    public var documentSha256: String
    public var typedName: String
    public var consentVersion: String
    public var consentText: String
    public var ipAddress: String?
    public var userAgent: String?

    public init(
        signerId: UUID, sponsorId: UUID, offeringId: UUID?, documentSha256: String, typedName: String, consentVersion: String, consentText: String,
        ipAddress: String?, userAgent: String?
    ) {
        self.signerId = signerId
        self.sponsorId = sponsorId
        self.offeringId = offeringId
        self.documentSha256 = documentSha256
        self.typedName = typedName
        self.consentVersion = consentVersion
        self.consentText = consentText
        self.ipAddress = ipAddress
        self.userAgent = userAgent
    }
}

/// A user signed a document version electronically, with ESIGN consent recorded, and its signed
/// copy was stored. Names the property and its offering's sponsor, so communications tells the
/// sponsor and sponsors' webhooks can carry it.
public struct MediaDocumentSigned: DomainEvent, Equatable {
    public static let eventType = "media.document_signed"
    public var signatureId: UUID
    public var documentId: UUID
    public var propertyId: UUID
    public var sponsorId: UUID
    public var offeringId: UUID?
    public var signerId: UUID
    public var title: String
    public var version: Int
    public var documentSha256: String
    public var signedCopyUrl: String
    public var signedAt: Date

    public init(
        signatureId: UUID, documentId: UUID, propertyId: UUID, sponsorId: UUID, offeringId: UUID?, signerId: UUID, title: String, version: Int,
        documentSha256: String, signedCopyUrl: String, signedAt: Date
    ) {
        self.signatureId = signatureId
        self.documentId = documentId
        self.propertyId = propertyId
        self.sponsorId = sponsorId
        self.offeringId = offeringId
        self.signerId = signerId
        self.title = title
        self.version = version
        self.documentSha256 = documentSha256
        self.signedCopyUrl = signedCopyUrl
        self.signedAt = signedAt
    }
}
