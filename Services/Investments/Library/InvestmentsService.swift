import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `investments` service: offerings, investing, distributions, portfolios, statements, property
/// financials, investor profiles with accreditation, and the OZ tax calculator.
public enum InvestmentsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.investments

    public static func definition() throws -> ServiceDefinition {
        Self.definition(today: { CalendarDate.today() })
    }

    /// `today` is a dependency so tests can fix the day offerings and ledgers see.
    static func definition(today: @escaping @Sendable () -> CalendarDate) -> ServiceDefinition {
        ServiceDefinition(name: .investments, bundle: .module, eventHandlers: PropertyCopies.eventHandlers()) { router, dependencies in
            let postgres = dependencies.postgres
            let idempotency = IdempotentRequests(schema: "investments")
            let propertiesURL = dependencies.configuration.events.peers[ServiceName.properties.rawValue]
                ?? URL(string: "http://127.0.0.1:\(ServiceName.properties.defaultPort)")!
            let properties = PropertyCopies(postgres: postgres, internalClient: dependencies.internalClient, propertiesURL: propertiesURL)
            OfferingRoutes(store: OfferingStore(postgres: postgres), properties: properties).addRoutes(to: router)
            addFinancialsRoutes(to: router, postgres: postgres, properties: properties)
            InvestmentRoutes(
                store: InvestmentStore(postgres: postgres, outbox: dependencies.outbox, idempotency: idempotency, today: today)
            ).addRoutes(to: router)
            let profiles = InvestorProfiles(postgres: postgres, outbox: dependencies.outbox)
            InvestorProfileRoutes(profiles: profiles).addRoutes(to: router)
            TaxRoutes(profiles: profiles).addRoutes(to: router)
            DistributionRoutes(
                store: DistributionStore(postgres: postgres, outbox: dependencies.outbox, idempotency: idempotency)
            ).addRoutes(to: router)
            PortfolioRoutes(store: PortfolioStore(postgres: postgres), today: today).addRoutes(to: router)
            VerificationRoutes(store: Verifications(postgres: postgres)).addRoutes(to: router)
        }
    }
}

/// Builds the `investments` application with a fixed day (tests).
func buildApplication(
    _ configuration: ServiceConfiguration,
    today: @escaping @Sendable () -> CalendarDate,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: InvestmentsEntryPoint.definition(today: today), overrides: overrides)
}

/// Builds the `investments` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try InvestmentsEntryPoint.definition(), overrides: overrides)
}
