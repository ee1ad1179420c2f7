import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `investments` service: Offerings, investing, distributions, portfolios, statements and the OZ tax calculator.
public enum InvestmentsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.investments

    public static func definition() throws -> ServiceDefinition {
        ServiceDefinition(name: .investments, bundle: .module) { _, _ in
            // The service's own routes arrive with its issue; the kit already serves probes,
            // metrics, the OpenAPI document and the event inbox.
        }
    }
}

/// Builds the `investments` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try InvestmentsEntryPoint.definition(), overrides: overrides)
}
