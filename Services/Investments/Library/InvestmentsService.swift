import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `investments` service: offerings, investing, distributions, portfolios, statements, property
/// financials, investor profiles with accreditation, and the OZ tax calculator.
public enum InvestmentsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.investments

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(settings: InvestmentsSettings.fromEnvironment(), today: { CalendarDate.today() })
    }

    /// `today` is a dependency so tests can fix the day offerings and ledgers see.
    static func definition(settings: InvestmentsSettings, today: @escaping @Sendable () -> CalendarDate) throws -> ServiceDefinition {
        let statementDocument = try StatementDocument.bundled()
        return ServiceDefinition(name: .investments, bundle: .module, eventHandlers: { _ in PropertyCopies.eventHandlers() }) { router, dependencies in
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
            StatementRoutes(
                store: StatementStore(
                    postgres: postgres, outbox: dependencies.outbox, document: statementDocument,
                    contacts: InvestorContacts(directory: UserDirectory(dependencies)),
                    publicURL: settings.publicURL, today: today
                )
            ).addRoutes(to: router)
        }
    }
}

/// Builds the `investments` application with a fixed day (tests).
func buildApplication(
    _ configuration: ServiceConfiguration,
    settings: InvestmentsSettings = InvestmentsSettings(),
    today: @escaping @Sendable () -> CalendarDate,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(
        configuration, definition: try InvestmentsEntryPoint.definition(settings: settings, today: today), overrides: overrides
    )
}

/// Builds the `investments` application; `main` and the tests both call this.
public func buildApplication(
    _ configuration: ServiceConfiguration,
    overrides: ServiceOverrides = ServiceOverrides()
) async throws -> some ApplicationProtocol {
    try await buildServiceApplication(configuration, definition: try InvestmentsEntryPoint.definition(), overrides: overrides)
}

/// What `investments` reads from the environment beyond the kit's settings.
struct InvestmentsSettings: Sendable {
    /// `PUBLIC_URL` (default `http://127.0.0.1:8080`): the app investors sign in to; statement
    /// emails link to `<PUBLIC_URL>/statements/<id>`.
    var publicURL: URL = URL(string: "http://127.0.0.1:8080")!

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> InvestmentsSettings {
        InvestmentsSettings(publicURL: try environment.url("PUBLIC_URL", default: "http://127.0.0.1:8080")!)
    }
}
