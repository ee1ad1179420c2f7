import Foundation
import Hummingbird
import Models
import ServiceKit

extension InvestmentsEntryPoint {
    /// Issue 22's accreditation routes, each at its literal path: evidence, the verifier letter
    /// (the investor's request and the verifier's unauthenticated link), and the minimum-investment
    /// path of an offering.
    static func accreditationRoutes(_ router: Router<TractRequestContext>, _ dependencies: ServiceDependencies, settings: InvestmentsSettings)
        throws
    {
        let postgres = dependencies.postgres
        let files = AccreditationFiles(postgres: postgres, clock: dependencies.clock, ids: dependencies.ids)
        let evidence = AccreditationEvidenceController(files: files, settings: settings.accreditation)
        router.authenticated.addRoutes(evidence.endpoints, atPath: "/v1/verifications/:id/evidence")

        let letters = VerifierLetterController(
            letters: VerifierLetters(
                postgres: postgres, outbox: dependencies.outbox, files: files,
                contacts: InvestorContacts(directory: UserDirectory(dependencies)),
                limiter: RateLimiter(postgres: postgres, schema: dependencies.schema), settings: settings.accreditation,
                publicURL: settings.publicURL, clock: dependencies.clock, ids: dependencies.ids),
            settings: settings.accreditation)
        router.authenticated.addRoutes(letters.endpoints, atPath: "/v1/verifications/:id/verifier-request")
        router.addRoutes(letters.publicEndpoints, atPath: "/v1/verifications/letters/:token")

        let policy = AccreditationPolicyController(
            postgres: postgres, offerings: OfferingStore(postgres: postgres, ids: dependencies.ids),
            trustedProxies: dependencies.configuration.trustedProxies, clock: dependencies.clock, ids: dependencies.ids)
        router.authenticated.addRoutes(policy.policyEndpoints, atPath: "/v1/offerings/:id/accreditation-policy")
        router.authenticated.addRoutes(policy.representationEndpoints, atPath: "/v1/offerings/:id/accreditation-representations")
    }
}
