import Foundation

/// Events `properties` publishes about listing media and documents, for `analytics` (what each
/// listing shows, how documents move through versions, shares and signatures). Ids only: the
/// files themselves never travel in events.
public struct MediaPhotoAdded: DomainEvent, Equatable {
    public static let eventType = "media.photo_added"
    public var photoId: UUID
    public var propertyId: UUID
    public var mimeType: String
    public var fileSize: Int
    public var width: Int?
    public var height: Int?
    public var isPrimary: Bool
    public var uploadedBy: UUID

    public init(
        photoId: UUID, propertyId: UUID, mimeType: String, fileSize: Int, width: Int?, height: Int?, isPrimary: Bool,
        uploadedBy: UUID
    ) {
        self.photoId = photoId
        self.propertyId = propertyId
        self.mimeType = mimeType
        self.fileSize = fileSize
        self.width = width
        self.height = height
        self.isPrimary = isPrimary
        self.uploadedBy = uploadedBy
    }
}

/// A photo was deleted (its bytes too).
public struct MediaPhotoRemoved: DomainEvent, Equatable {
    public static let eventType = "media.photo_removed"
    public var photoId: UUID
    public var propertyId: UUID

    public init(photoId: UUID, propertyId: UUID) {
        self.photoId = photoId
        self.propertyId = propertyId
    }
}

/// A property's primary (hero) photo changed; `photoId` is `nil` when it now has none.
public struct MediaPrimaryPhotoChanged: DomainEvent, Equatable {
    public static let eventType = "media.primary_photo_changed"
    public var propertyId: UUID
    public var photoId: UUID?

    public init(propertyId: UUID, photoId: UUID?) {
        self.propertyId = propertyId
        self.photoId = photoId
    }
}

/// A document's first or next version was uploaded.
public struct MediaDocumentVersionAdded: DomainEvent, Equatable {
    public static let eventType = "media.document_version_added"
    public var documentId: UUID
    public var propertyId: UUID
    public var name: String
    public var version: Int
    public var previousVersionId: UUID?
    public var fileType: String
    public var fileSize: Int
    public var ownerId: UUID

    public init(
        documentId: UUID, propertyId: UUID, name: String, version: Int, previousVersionId: UUID?, fileType: String,
        fileSize: Int, ownerId: UUID
    ) {
        self.documentId = documentId
        self.propertyId = propertyId
        self.name = name
        self.version = version
        self.previousVersionId = previousVersionId
        self.fileType = fileType
        self.fileSize = fileSize
        self.ownerId = ownerId
    }
}

/// A document was shared with a user or as a link (`sharedWith` `nil`).
public struct MediaDocumentShared: DomainEvent, Equatable {
    public static let eventType = "media.document_shared"
    public var shareId: UUID
    public var documentId: UUID
    public var sharedBy: UUID
    public var sharedWith: UUID?
    public var expiresAt: Date?

    public init(shareId: UUID, documentId: UUID, sharedBy: UUID, sharedWith: UUID?, expiresAt: Date?) {
        self.shareId = shareId
        self.documentId = documentId
        self.sharedBy = sharedBy
        self.sharedWith = sharedWith
        self.expiresAt = expiresAt
    }
}

/// A share was revoked: its link or user access ends now.
public struct MediaDocumentShareRevoked: DomainEvent, Equatable {
    public static let eventType = "media.document_share_revoked"
    public var shareId: UUID
    public var documentId: UUID
    public var revokedBy: UUID

    public init(shareId: UUID, documentId: UUID, revokedBy: UUID) {
        self.shareId = shareId
        self.documentId = documentId
        self.revokedBy = revokedBy
    }
}

/// A signature was requested of a user.
public struct MediaSignatureRequested: DomainEvent, Equatable {
    public static let eventType = "media.signature_requested"
    public var signatureId: UUID
    public var documentId: UUID
    public var signerId: UUID
    public var requestedBy: UUID

    public init(signatureId: UUID, documentId: UUID, signerId: UUID, requestedBy: UUID) {
        self.signatureId = signatureId
        self.documentId = documentId
        self.signerId = signerId
        self.requestedBy = requestedBy
    }
}

/// The signer answered a signature request: `status` is `signed` or `declined`.
public struct MediaSignatureAnswered: DomainEvent, Equatable {
    public static let eventType = "media.signature_answered"
    public var signatureId: UUID
    public var documentId: UUID
    public var signerId: UUID
    public var status: String

    public init(signatureId: UUID, documentId: UUID, signerId: UUID, status: String) {
        self.signatureId = signatureId
        self.documentId = documentId
        self.signerId = signerId
        self.status = status
    }
}
