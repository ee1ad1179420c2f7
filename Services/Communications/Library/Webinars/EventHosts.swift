import Foundation
import Models
import NIOHTTP1
import ServiceKit

/// Who may host an event: staff host platform events; a sponsor hosts events for a property of
/// their own (its offering is listed on it). Ownership is asked of `properties`
/// (`GET /internal/v1/properties/{id}`), before any transaction opens (ARCHITECTURE.md, "Events").
struct EventHosts: Sendable {
    let properties: PropertyLookups

    init(_ dependencies: ServiceDependencies) {
        self.properties = PropertyLookups(dependencies)
    }

    /// Checks that `identity` may host an event for `property` (nil: a platform event). A
    /// property that is not the sponsor's is the same 422 as one that does not exist, so ids reveal
    /// nothing.
    func authorize(_ identity: Identity, property: UUID?, context: CallContext) async throws {
        let user = try identity.requireUser("Only people host events.")
        guard let property else {
            guard identity.has(role: .admin) else {
                throw Problem.forbidden("Only staff host platform events; a sponsor's event names its property_id.")
            }
            return
        }
        guard identity.has(role: .sponsor) || identity.has(role: .admin) else {
            throw Problem.forbidden("Only sponsors host events for their offerings.")
        }
        // Staff may host an event for any listed property; a sponsor only for their own.
        guard let sponsor = try await self.properties.property(property, context: context)?.sponsorId, identity.has(role: .admin) || sponsor == user
        else {
            throw Problem.validation(field: "property_id", "must be a property you sponsor")
        }
    }
}
