import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `communications` service: Email, notifications, messages, webinars and webhooks.
public enum CommunicationsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.communications

    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: .communications, bundle: .module) { _, _ in
            // The service's own routes arrive with its issue; the kit already serves probes,
            // metrics, the OpenAPI document and the event inbox.
        }
    }
}

/// Builds the `communications` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try CommunicationsEntryPoint.definition(), overrides: overrides)
}
