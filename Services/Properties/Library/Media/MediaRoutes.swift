import Foundation
import Hummingbird
import Logging
import ServiceKit

/// Wires the media areas (photos, videos and tours, documents with their shares and signature
/// requests) on one storage backend.
struct MediaRoutes: Sendable {
    let settings: MediaSettings
    let properties: PropertyStore
    let dependencies: ServiceDependencies

    func addRoutes(to router: Router<TractRequestContext>) throws {
        let storage = try Self.storage(for: self.settings.backend, logger: self.dependencies.logger)
        let gate = PropertyGate(properties: self.properties)
        let delivery = MediaDelivery(storage: storage, signedURLLifetime: self.settings.signedURLLifetime)
        let postgres = self.dependencies.postgres, outbox = self.dependencies.outbox
        PhotoRoutes(
            store: PhotoStore(postgres: postgres, outbox: outbox, storage: storage), gate: gate, delivery: delivery,
            maxUploadBytes: self.settings.maxUploadBytes
        ).addRoutes(to: router)
        // Videos and virtual tours: `ListingMediaController`, mounted by `PropertiesEntryPoint`.
        let documents = DocumentStore(postgres: postgres, outbox: outbox, storage: storage)
        DocumentRoutes(store: documents, gate: gate, delivery: delivery, maxUploadBytes: self.settings.maxUploadBytes).addRoutes(to: router)
        DocumentShareRoutes(documents: documents, gate: gate, delivery: delivery, trustedProxies: self.dependencies.configuration.trustedProxies)
            .addRoutes(to: router)
    }

    static func storage(for backend: MediaSettings.Backend, logger: Logger) throws -> any MediaStorage {
        switch backend {
        case .filesystem(let root): FileSystemStorage(root: root)
        case .s3(let s3): try S3Storage(settings: s3, logger: logger)
        }
    }
}
