import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The minimum-investment path of SEC staff guidance (no-action letter to Latham & Watkins LLP,
/// March 12, 2025; `MinimumInvestmentPath`): the sponsor says whether a 506(c) offering accepts it
/// (`/v1/offerings/{id}/accreditation-policy`), and an investor records the written representations
/// it needs (`/v1/offerings/{id}/accreditation-representations`). `AccreditationGate` then lets a
/// commitment at or above the minimum through without a verification.
struct AccreditationPolicyController: Sendable {
    let postgres: PostgresClient
    let offerings: OfferingStore
    let trustedProxies: TrustedProxies
    let clock: ServiceClock
    let ids: IDGenerator

    struct Policy: Codable, Sendable {
        var allowsMinimumInvestmentPath: Bool
    }

    struct Representations: Codable, Sendable {
        /// `natural_person` ($200,000 minimum) or `entity` ($1,000,000 minimum).
        var investorKind: String
        /// The name the investor signs the representations with.
        var signedName: String
        /// Each must be `true`: the investor is accredited, and the minimum is not financed by a
        /// third party for the purpose of this investment.
        var isAccreditedInvestor: Bool
        var notFinancedByThirdParty: Bool

        func problems() -> FieldErrors {
            var errors = FieldErrors()
            errors.oneOf("investor_kind", self.investorKind, MinimumInvestmentPath.kinds)
            errors.text("signed_name", self.signedName, max: 200, required: true)
            if !self.isAccreditedInvestor { errors.add("is_accredited_investor", "must be true: the path needs this representation") }
            if !self.notFinancedByThirdParty {
                errors.add("not_financed_by_third_party", "must be true: the path needs this representation")
            }
            return errors
        }
    }

    /// Mounted at `/v1/offerings/:id/accreditation-policy`.
    var policyEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.showPolicy)
            .put(use: self.setPolicy)
    }

    /// Mounted at `/v1/offerings/:id/accreditation-representations`.
    var representationEndpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.represent)
    }

    @Sendable func showPolicy(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try await self.visibleOffering(context)
        return JSONDocument(try await self.policy(offering.id, logger: context.logger))
    }

    @Sendable func setPolicy(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let offering = try await self.visibleOffering(context)
        guard offering.canManage(context.identity) else {
            throw Problem.forbidden("Only the offering's sponsor or an admin sets how accreditation is verified.")
        }
        let policy = try await request.decode(as: Policy.self, context: context)
        try await self.postgres.query(
            """
            UPDATE investments.offerings SET allows_minimum_investment_path = \(policy.allowsMinimumInvestmentPath), updated_at = now()
            WHERE id = \(offering.id)
            """,
            logger: context.logger
        )
        return JSONDocument(try await self.policy(offering.id, logger: context.logger))
    }

    @Sendable func represent(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let investor = try context.identity.requireUser("Only investors make representations.")
        let offering = try await self.visibleOffering(context)
        let body = try await request.decode(as: Representations.self, context: context)
        try body.problems().check()
        let address = ClientAddress.of(request, remote: context.remoteAddress, trustedProxies: self.trustedProxies)
        let agent = request.headers[.userAgent].map { String($0.prefix(500)) }
        let text = MinimumInvestmentPath.representation(kind: body.investorKind, name: body.signedName)
        let rows = try await self.postgres.query(
            """
            INSERT INTO investments.accreditation_representations AS r
                (id, offering_id, investor_id, investor_kind, representation_text, ip_address, user_agent, represented_at)
            SELECT \(self.ids.next()), o.id, \(investor), \(body.investorKind), \(text), \(address), \(agent), \(self.clock.now)
            FROM investments.offerings o WHERE o.id = \(offering.id) AND o.allows_minimum_investment_path AND o.requires_accreditation
            RETURNING jsonb_build_object('id', r.id, 'offering_id', r.offering_id, 'investor_id', r.investor_id,
                'investor_kind', r.investor_kind, 'minimum_investment', \(MinimumInvestmentPath.minimum(for: body.investorKind).description),
                'representation_text', r.representation_text, 'ip_address', r.ip_address, 'user_agent', r.user_agent,
                'represented_at', investments.rfc3339(r.represented_at))::text
            """,
            logger: context.logger
        )
        for try await text in rows.decode(String.self) { return JSONDocument(text, status: .created) }
        throw Problem.conflict(
            "This offering does not accept the minimum-investment path; have your accreditation verified instead.")
    }

    private func visibleOffering(_ context: AuthenticatedContext) async throws -> Offering {
        let id = try OfferingController.id(context)
        guard let offering = try await self.offerings.find(id, logger: context.logger), offering.isVisible(to: context.identity) else {
            throw Problem.notFound("No offering has this id.")
        }
        return offering
    }

    private func policy(_ id: UUID, logger: Logger) async throws -> String {
        let rows = try await self.postgres.query(
            """
            SELECT jsonb_build_object('offering_id', o.id, 'requires_accreditation', o.requires_accreditation,
                'allows_minimum_investment_path', o.allows_minimum_investment_path,
                'minimum_investment_natural_person', \(MinimumInvestmentPath.minimum(for: "natural_person").description),
                'minimum_investment_entity', \(MinimumInvestmentPath.minimum(for: "entity").description))::text
            FROM investments.offerings o WHERE o.id = \(id)
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.notFound("No offering has this id.")
    }
}
