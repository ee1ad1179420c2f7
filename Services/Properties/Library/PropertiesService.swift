import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `properties` service: Listings, units, the Opportunity Zone check, search, photos and documents.
public enum PropertiesEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.properties

    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: .properties, bundle: .module) { _, _ in
            // The service's own routes arrive with its issue; the kit already serves probes,
            // metrics, the OpenAPI document and the event inbox.
        }
    }
}

/// Builds the `properties` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try PropertiesEntryPoint.definition(), overrides: overrides)
}
