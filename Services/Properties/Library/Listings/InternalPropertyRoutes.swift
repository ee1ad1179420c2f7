import Foundation
import Hummingbird
import Models
import ServiceKit

/// `GET /internal/v1/properties/{id}`: what other services may know of a property (the same
/// snapshot `property.*` events carry), for service tokens only. `investments` calls it when an
/// offering is created, before any event about the property may have reached it.
struct InternalPropertyRoutes: Sendable {
    let store: PropertyStore

    func addRoutes(to router: Router<TractRequestContext>) {
        router.group("internal/v1/properties", context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.readProperties))
            .get(":id") { _, context -> PropertySnapshotResponse in
                let id = try context.parameters.uuid("id", "property")
                guard let record = try await self.store.find(id.uuidString, logger: context.logger) else {
                    throw Problem.notFound("No property has this id.")
                }
                return PropertySnapshotResponse(snapshot: record.snapshot)
            }
    }
}

struct PropertySnapshotResponse: ResponseEncodable {
    var snapshot: PropertySnapshot

    func encode(to encoder: any Encoder) throws { try self.snapshot.encode(to: encoder) }
}
