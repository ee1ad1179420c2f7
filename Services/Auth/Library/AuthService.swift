import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `auth` service: Identity for the whole suite: accounts, sessions, access tokens (JWKS), magic links, rate limits.
public enum AuthEntryPoint: ServiceEntryPoint {
    public static var definition: ServiceDefinition {
        ServiceDefinition(name: .auth, bundle: .module) { _, _ in
            // The service's own routes arrive with its issue; the kit already serves probes,
            // metrics, the OpenAPI document and the event inbox.
        }
    }
}

/// Builds the `auth` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: AuthEntryPoint.definition, overrides: overrides)
}
