import Foundation
import Hummingbird
import Logging
import ServiceKit

/// The media areas (photos, documents with their shares and signature requests, and the bytes of
/// both) on one storage backend, built from the settings and the service's dependencies. The
/// service definition mounts each controller at its path.
struct MediaControllers: Sendable {
    /// `/v1/properties/:id/photos`.
    let photos: PhotoController
    /// `/v1/properties/:id/documents`.
    let propertyDocuments: PropertyDocumentController
    /// `/v1/documents`.
    let documents: DocumentController
    /// `/v1/documents/:id` (`shares`, `signature-requests`).
    let shares: DocumentShareController
    /// `/v1/media`.
    let files: MediaFileController
    /// What videos and tours (`VideosAndTours.swift`) are checked with.
    let gate: PropertyGate
    let listingMediaRules: ListingMediaRules

    init(settings: MediaSettings, properties: PropertyStore, dependencies: ServiceDependencies) throws {
        let storage = try Self.storage(for: settings.backend, logger: dependencies.logger)
        let gate = PropertyGate(properties: properties)
        let delivery = MediaDelivery(storage: storage, signedURLLifetime: settings.signedURLLifetime)
        let postgres = dependencies.postgres
        let outbox = dependencies.outbox
        let documents = DocumentStore(postgres: postgres, outbox: outbox, storage: storage, ids: dependencies.ids)
        let shares = DocumentShareStore(documents: documents, clock: dependencies.clock, ids: dependencies.ids)
        let photos = PhotoController(
            store: PhotoStore(postgres: postgres, outbox: outbox, storage: storage, ids: dependencies.ids), gate: gate, delivery: delivery,
            maxUploadBytes: settings.maxUploadBytes
        )
        let versions = DocumentController(store: documents, gate: gate)
        self.photos = photos
        self.propertyDocuments = PropertyDocumentController(store: documents, gate: gate, delivery: delivery, maxUploadBytes: settings.maxUploadBytes)
        self.documents = versions
        self.shares = DocumentShareController(store: shares, gate: gate, trustedProxies: dependencies.configuration.trustedProxies)
        self.files = MediaFileController(photos: photos, documents: versions, shares: shares, delivery: delivery)
        self.gate = gate
        self.listingMediaRules = ListingMediaRules(tourHosts: settings.tourHosts)
    }

    static func storage(for backend: MediaSettings.Backend, logger: Logger) throws -> any MediaStorage {
        switch backend {
        case .filesystem(let root): FileSystemStorage(root: root)
        case .s3(let s3): try S3Storage(settings: s3, logger: logger)
        }
    }
}
