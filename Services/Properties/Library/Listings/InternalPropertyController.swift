import Foundation
import Hummingbird
import Models
import ServiceKit

/// `GET /internal/v1/properties/{id}`: what other services may know of a property (the same
/// snapshot `property.*` events carry), for service tokens only. `investments` calls it when an
/// offering is created, before any event about the property may have reached it.
struct InternalPropertyController: RouteController {
    let store: PropertyStore

    /// Signed-in callers with the `properties:read` scope.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.readProperties))
            .get(":id", use: self.show)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> PropertySnapshotResponse {
        let id = try context.parameters.uuid("id", "property")
        guard let record = try await self.store.find(id.uuidString, logger: context.logger) else {
            throw Problem.notFound("No property has this id.")
        }
        return PropertySnapshotResponse(snapshot: record.snapshot)
    }
}

struct PropertySnapshotResponse: ResponseEncodable {
    var snapshot: PropertySnapshot

    func encode(to encoder: any Encoder) throws { try self.snapshot.encode(to: encoder) }
}
