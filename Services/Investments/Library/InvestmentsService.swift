import Foundation
import Hummingbird
import Models
import ServiceKit

/// The `investments` service: offerings, investing, distributions, portfolios, statements, property
/// financials, investor profiles with accreditation, and the OZ tax calculator.
public enum InvestmentsEntryPoint: ServiceEntryPoint {
    public static let name = ServiceName.investments

    public static func definition() throws -> ServiceDefinition {
        try Self.definition(settings: InvestmentsSettings.fromEnvironment())
    }

    /// Every route, mounted at its literal path; "now" and new ids come from the dependencies
    /// (`ServiceOverrides.clock` fixes the day in tests).
    static func definition(settings: InvestmentsSettings) throws -> ServiceDefinition {
        let statementDocument = try StatementDocument.bundled()
        return ServiceDefinition(
            name: .investments,
            bundle: .module,
            eventHandlers: { _ in PropertyCopies.eventHandlers() },
            purgeTargets: [
                .rateLimitBuckets(schema: ServiceName.investments.schemas[0], longestRefill: settings.accreditation.verifierEmails.refillTime)
            ],
            routes: { router, dependencies in
                let postgres = dependencies.postgres
                let clock = dependencies.clock
                let ids = dependencies.ids
                let idempotency = IdempotentRequests(schema: dependencies.schema)
                let propertiesURL =
                    dependencies.configuration.events.peers[ServiceName.properties.rawValue]
                    ?? URL(string: "http://127.0.0.1:\(ServiceName.properties.defaultPort)")!
                let properties = PropertyCopies(postgres: postgres, internalClient: dependencies.internalClient, propertiesURL: propertiesURL)

                router.mount(OfferingController(store: OfferingStore(postgres: postgres, ids: ids), properties: properties), at: "/v1/offerings")

                let investments = InvestmentController(
                    store: InvestmentStore(postgres: postgres, outbox: dependencies.outbox, idempotency: idempotency, clock: clock, ids: ids)
                )
                router.mount(investments, at: "/v1/investments")
                // An offering's investments: the same controller, seen from the offering.
                router.authenticated.addRoutes(investments.offeringEndpoints, atPath: "/v1/offerings/:id/investments")

                let distributions = DistributionStore(postgres: postgres, outbox: dependencies.outbox, idempotency: idempotency, ids: ids)
                router.mount(DistributionController(store: distributions), at: "/v1/distributions")
                router.mount(PortfolioController(store: PortfolioStore(postgres: postgres), clock: clock), at: "/v1/portfolio")

                let profiles = InvestorProfiles(postgres: postgres, outbox: dependencies.outbox)
                router.mount(InvestorProfileController(profiles: profiles), at: "/v1/investor-profile")
                // Investors submit their own verifications; staff review everyone's.
                let verifications = VerificationController(
                    store: Verifications(
                        postgres: postgres, outbox: dependencies.outbox, settings: settings.accreditation, clock: clock, ids: ids),
                    clock: clock)
                router.authenticated.addRoutes(verifications.ownEndpoints, atPath: "/v1/investor-profile/verifications")
                router.authenticated.addRoutes(verifications.staffEndpoints, atPath: "/v1/verifications")
                try Self.accreditationRoutes(router, dependencies, settings: settings)

                // The same estimate under both names the product uses (see `TaxController`).
                router.mount(TaxController(profiles: profiles), at: "/v1/tax/oz-estimate")
                router.mount(TaxController(profiles: profiles), at: "/v1/oz/tax-estimate")

                let statements = StatementStore(
                    postgres: postgres, outbox: dependencies.outbox, document: statementDocument,
                    contacts: InvestorContacts(directory: UserDirectory(dependencies)),
                    publicURL: settings.publicURL, clock: clock, ids: ids
                )
                router.mount(StatementController(store: statements), at: "/v1/statements")

                // Property financials: one controller per kind, each at its own path.
                let access = FinancialsAccess(postgres: postgres, properties: properties)
                func financials<Record: FinancialRecord>(_: Record.Type) -> FinancialRecordController<Record> {
                    FinancialRecordController(postgres: postgres, ids: ids, access: access)
                }
                router.mount(financials(IncomeRecord.self), at: "/v1/financials/properties/:property_id/income")
                router.mount(financials(ExpensesRecord.self), at: "/v1/financials/properties/:property_id/expenses")
                router.mount(financials(PerformanceRecord.self), at: "/v1/financials/properties/:property_id/performance")
                router.mount(financials(RentRollRecord.self), at: "/v1/financials/properties/:property_id/rent-roll")
            }
        )
    }
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
    /// Evidence, verifier letters and how long approvals count (issue 22).
    var accreditation = AccreditationSettings()

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> InvestmentsSettings {
        InvestmentsSettings(
            publicURL: try environment.url("PUBLIC_URL", default: "http://127.0.0.1:8080")!,
            accreditation: try AccreditationSettings.fromEnvironment(environment))
    }
}
