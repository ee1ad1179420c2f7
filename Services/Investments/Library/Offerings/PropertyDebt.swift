import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// `/v1/offerings/{id}/property-debt`: what the offering owes against its property (the loan
/// balance). Positions are worth their share of the property's latest valuation less this
/// (`PositionValue`), so investors see equity, not the building's gross value. Only the offering's
/// sponsor or an admin reads or sets it; investors see it in their portfolio's valuation basis.
struct PropertyDebtController: Sendable {
    let store: OfferingStore

    struct Body: Codable, Sendable, ResponseEncodable {
        var propertyDebt: Money
    }

    /// Mounted at `/v1/offerings/:id/property-debt`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .get(use: self.show).put(use: self.replace)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> Body {
        let offering = try await self.managed(context)
        return Body(propertyDebt: try await self.store.propertyDebt(offering.id, logger: context.logger))
    }

    @Sendable func replace(_ request: Request, context: AuthenticatedContext) async throws -> Body {
        let offering = try await self.managed(context)
        let body = try await request.decode(as: Body.self, context: context)
        if body.propertyDebt < .zero { throw Problem.validation(field: "property_debt", "must not be negative") }
        try await self.store.setPropertyDebt(offering.id, to: body.propertyDebt, logger: context.logger)
        return body
    }

    /// The offering, when the caller may manage it: 404 when they cannot see it, 403 when they
    /// see it but do not manage it.
    private func managed(_ context: AuthenticatedContext) async throws -> Offering {
        let id = try OfferingController.id(context)
        guard let offering = try await self.store.find(id, logger: context.logger), offering.isVisible(to: context.identity) else {
            throw Problem.notFound("No offering has this id.")
        }
        guard offering.canManage(context.identity) else {
            throw Problem.forbidden("Only the offering's sponsor or an admin may see or set its property debt.")
        }
        return offering
    }
}

extension OfferingStore {
    func propertyDebt(_ id: UUID, logger: Logger) async throws -> Money {
        let rows = try await self.postgres.query("SELECT property_debt FROM investments.offerings WHERE id = \(id)", logger: logger)
        for try await debt in rows.decode(Money.self) { return debt }
        throw Problem.notFound("No offering has this id.")
    }

    func setPropertyDebt(_ id: UUID, to debt: Money, logger: Logger) async throws {
        try await self.postgres.query(
            "UPDATE investments.offerings SET property_debt = \(debt), updated_at = now() WHERE id = \(id)", logger: logger
        )
    }
}
