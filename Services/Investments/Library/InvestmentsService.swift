import Crypto
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
            eventHandlers: { _ in
                var handlers = PropertyCopies.eventHandlers()
                RenovationSpend.eventHandlers(into: &handlers)
                return handlers
            },
            backgroundServices: { dependencies in
                [
                    ComplianceAlertSweep(
                        postgres: dependencies.postgres, outbox: dependencies.outbox, clock: dependencies.clock, logger: dependencies.logger,
                        interval: settings.complianceSweepInterval)
                ]
            },
            purgeTargets: [
                .rateLimitBuckets(schema: ServiceName.investments.schemas[0], longestRefill: settings.accreditation.verifierEmails.refillTime)
            ],
            personalData: InvestmentsPersonalData.tables,
            routes: { router, dependencies in
                let postgres = dependencies.postgres
                let clock = dependencies.clock
                let ids = dependencies.ids
                let idempotency = IdempotentRequests(schema: dependencies.schema)
                let propertiesURL =
                    dependencies.configuration.events.peers[ServiceName.properties.rawValue]
                    ?? URL(string: "http://127.0.0.1:\(ServiceName.properties.defaultPort)")!
                let properties = PropertyCopies(postgres: postgres, internalClient: dependencies.internalClient, propertiesURL: propertiesURL)

                let offerings = OfferingStore(postgres: postgres, ids: ids)
                router.mount(OfferingController(store: offerings, properties: properties), at: "/v1/offerings")
                router.authenticated.addRoutes(PropertyDebtController(store: offerings).endpoints, atPath: "/v1/offerings/:id/property-debt")

                // Investing paperwork (issue 22, Paperwork/): offering documents, signing, and the commit gate.
                let signing = DocumentSigningClient(internalClient: dependencies.internalClient, propertiesURL: propertiesURL)
                let offeringDocuments = OfferingDocumentController(
                    offerings: OfferingStore(postgres: postgres, ids: ids), store: OfferingDocumentStore(postgres: postgres), signing: signing,
                    trustedProxies: dependencies.configuration.trustedProxies)
                router.mount(offeringDocuments, at: "/v1/offerings/:id/documents")

                let investments = InvestmentController(
                    store: InvestmentStore(postgres: postgres, outbox: dependencies.outbox, idempotency: idempotency, clock: clock, ids: ids),
                    signatures: SignatureGate(postgres: postgres, signing: signing)
                )
                router.mount(investments, at: "/v1/investments")
                // An offering's investments: the same controller, seen from the offering.
                router.authenticated.addRoutes(investments.offeringEndpoints, atPath: "/v1/offerings/:id/investments")

                let distributions = DistributionStore(postgres: postgres, outbox: dependencies.outbox, idempotency: idempotency, ids: ids)
                router.mount(DistributionController(store: distributions), at: "/v1/distributions")
                router.mount(PortfolioController(store: PortfolioStore(postgres: postgres), clock: clock), at: "/v1/portfolio")

                let k1s = K1Controller(
                    store: K1Store(
                        postgres: postgres, outbox: dependencies.outbox,
                        box: K1Box(key: StoredKey(configured: settings.k1SealingKey, table: "investments.k1_sealing_keys", postgres: postgres)),
                        ids: ids),
                    clock: clock
                )
                router.authenticated.addRoutes(k1s.offeringEndpoints, atPath: "/v1/offerings/:id/k1s")
                router.authenticated.addRoutes(k1s.endpoints, atPath: "/v1/k1s")

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

                // OZ fund compliance (issue 21): fund setup, 90% tests, Form 8996.
                let funds = FundAccess(offerings: OfferingStore(postgres: postgres, ids: ids), funds: QOFFundStore(postgres: postgres))
                router.mount(ComplianceController(access: funds, tests: AssetTestStore(postgres: postgres), clock: clock), at: "/v1/compliance/funds")
                router.mount(
                    ImprovementController(access: funds, store: ImprovementStore(postgres: postgres), clock: clock),
                    at: "/v1/compliance/funds/:offering_id/substantial-improvement"
                )
                router.mount(QOZBusinessController(access: funds, ids: ids, clock: clock), at: "/v1/compliance/funds/:offering_id")
                // An investor's own OZ positions and Form 8997 data.
                router.mount(InvestorPositionController(store: InvestorPositionStore(postgres: postgres), clock: clock), at: "/v1/compliance")

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
    /// `K1_ENCRYPTION_KEY` (base64, at least 32 bytes): seals K-1 files at rest. Unset, a key is
    /// made once and kept in `investments.k1_sealing_keys`; production sets it, so a copy of the
    /// database alone does not open the files.
    var k1SealingKey: SymmetricKey?
    /// Evidence, verifier letters and how long approvals count (issue 22).
    var accreditation = AccreditationSettings()
    /// `COMPLIANCE_ALERT_SWEEP_SECONDS` (default 3600): how often each replica looks for OZ fund
    /// deadlines to alert sponsors of (each alert is sent once, whichever replica finds it).
    var complianceSweepInterval: Duration = .seconds(3600)

    static func fromEnvironment(_ environment: EnvironmentReader = EnvironmentReader()) throws -> InvestmentsSettings {
        var settings = InvestmentsSettings(
            publicURL: try environment.url("PUBLIC_URL", default: "http://127.0.0.1:8080")!,
            accreditation: try AccreditationSettings.fromEnvironment(environment))
        if let encoded = environment.optionalString("K1_ENCRYPTION_KEY") {
            guard let key = Data(base64Encoded: encoded), key.count >= 32 else {
                throw ConfigurationError(variable: "K1_ENCRYPTION_KEY", reason: "must be at least 32 bytes, base64-encoded")
            }
            settings.k1SealingKey = SymmetricKey(data: key.prefix(32))
        }
        settings.complianceSweepInterval = .seconds(
            try environment.integer("COMPLIANCE_ALERT_SWEEP_SECONDS", default: 3600, range: 1...86_400))
        return settings
    }
}
