import Foundation
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// Who may do what with a property's financials (seed 001 §2.5):
///
/// - the property's sponsor, as its copy records, and admins record and read all of them;
/// - investors holding a committed or funded position in an offering on the property read its
///   performance — the headline figures and the totals behind them — but not the line items of
///   income and expenses (vendor-level detail that is the sponsor's to share in statements) nor the
///   rent roll (it names tenants): those are a 403, as the investor knows the property;
/// - anyone else gets the 404 an unknown property gets, as the rest of the service hides what a
///   caller may not see.
struct FinancialsAccess: Sendable {
    enum Need: Sendable {
        /// `performance`: the property's managers and its investors.
        case readPerformance
        /// `income`, `expenses`, `rent-roll`: the property's managers.
        case readRecords
        case write
    }

    enum Standing: Sendable {
        case outsider
        case investor
        case manager
    }

    let postgres: PostgresClient
    let properties: PropertyCopies

    /// The path's `property_id`, once the caller may do `need` with it.
    func require(_ need: Need, context: AuthenticatedContext) async throws -> UUID {
        let property = try context.parameters.uuid("property_id", "property")
        let identity = context.identity
        var standing = try await self.standing(of: identity, in: property, logger: context.logger)
        if standing == nil, need == .write, identity.has(role: .admin) || identity.has(role: .sponsor) {
            // The property's events may not have reached us yet: ask `properties`, as opening an
            // offering does, and keep the copy the events would have made.
            if let snapshot = try await self.properties.lookup(property, context: context.callContext) {
                try await self.postgres.withConnection { connection in
                    try await PropertyCopies.save(snapshot, on: connection, logger: context.logger)
                }
                standing = try await self.standing(of: identity, in: property, logger: context.logger)
            }
        }
        switch (standing, need) {
        case (.manager, _), (.investor, .readPerformance):
            return property
        case (.investor, .readRecords):
            throw Problem.forbidden(
                "Investors see a property's performance; its income and expense lines and its rent roll are for its sponsor and admins."
            )
        case (.investor, .write):
            throw Problem.forbidden("Only the property's sponsor or an admin records its financials.")
        case (.outsider, _), (nil, _):
            throw Problem.notFound("No property whose financials you may see has this id.")
        }
    }

    /// Nil when investments has no copy of the property.
    func standing(of identity: Identity, in property: UUID, logger: Logger) async throws -> Standing? {
        let rows = try await self.postgres.query(
            """
            SELECT c.sponsor_id, EXISTS (
                SELECT 1 FROM investments.investments i
                WHERE i.property_id = c.property_id AND i.investor_id = \(identity.userID) AND i.status IN ('committed', 'funded'))
            FROM investments.property_copies c WHERE c.property_id = \(property)
            """,
            logger: logger
        )
        for try await (sponsor, holdsPosition) in rows.decode((UUID, Bool).self) {
            if identity.has(role: .admin) || (identity.has(role: .sponsor) && identity.userID == sponsor) { return .manager }
            return holdsPosition ? .investor : .outsider
        }
        return nil
    }
}
