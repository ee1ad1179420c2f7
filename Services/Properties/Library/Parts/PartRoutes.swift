import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The five routes of one kind of part under its collection path: list and create on the
/// collection, read, change (`PATCH`, merged) and delete (soft) on `…/{part_id}`. Reads follow the
/// parents' visibility; writes need a signed-in caller (`AuthenticatedContext`, else 401) with the
/// right to change the parents.
struct PartRoutes<Part: PropertyPart>: Sendable {
    let store: PartStore<Part>

    /// `item` names the id's path parameter: Hummingbird's router needs one name per position, so a
    /// renovation project's is `project_id`, as in the paths of its own parts.
    func addRoutes(to router: Router<TractRequestContext>, at path: String, item: String = "part_id", parents: PartParents) {
        let itemPath = RouterPath(":" + item)
        let reads = router.group(RouterPath(path))
        reads.get { request, context -> JSONDocument in
            let query = try PartListQuery(request.uri.queryParameters, for: Part.self)
            let resolve = try parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
            return try await self.store.list(resolve, query: query, logger: context.logger)
        }
        reads.get(itemPath) { _, context -> JSONDocument in
            let resolve = try parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
            return try await self.store.find(resolve, id: try context.parameters.uuid(item, Part.noun), logger: context.logger)
        }

        let writes = router.group(RouterPath(path), context: AuthenticatedContext.self)
        writes.post { request, context -> JSONDocument in
            let body = try await request.decode(as: JSONValue.self, context: context)
            let resolve = try parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
            let (document, id) = try await self.store.create(resolve, body: body, currentYear: PropertyRoutes.currentYear, logger: context.logger)
            return JSONDocument(document, status: .created, headers: [.location: "\(request.uri.path)/\(id.uuidString.lowercased())"])
        }
        writes.patch(itemPath) { request, context -> JSONDocument in
            let body = try await request.decode(as: JSONValue.self, context: context)
            let resolve = try parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
            let document = try await self.store.update(
                resolve, id: try context.parameters.uuid(item, Part.noun), body: body, currentYear: PropertyRoutes.currentYear,
                logger: context.logger
            )
            return JSONDocument(document)
        }
        writes.delete(itemPath) { _, context -> HTTPResponse.Status in
            let resolve = try parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
            try await self.store.delete(resolve, id: try context.parameters.uuid(item, Part.noun), logger: context.logger)
            return .noContent
        }
    }

}

/// What a part hangs from, read from the path.
enum PartParents: Sendable {
    /// `/v1/properties/{id}/…`: visible with the property, changed by its sponsor or an admin.
    case property
    /// `/v1/properties/{id}/renovations/{project_id}/…`: the same, within a live project.
    case renovationProject
    /// Market data: no property; signed-in users read it, admins change it.
    case marketData

    typealias Resolve = @Sendable (PartIntent, PostgresConnection) async throws -> PartScope

    func resolver(_ parameters: Parameters, identity: Identity?, logger: Logger) throws -> Resolve {
        let access = PropertyAccess(identity: identity)
        switch self {
        case .property:
            let propertyID = try parameters.uuid("id", "property")
            return { intent, connection in
                try await PartScope.property(propertyID, access: access, intent: intent, on: connection, logger: logger)
            }
        case .renovationProject:
            let propertyID = try parameters.uuid("id", "property")
            let projectID = try parameters.uuid("project_id", "renovation project")
            return { intent, connection in
                try await PartScope.project(projectID, of: propertyID, access: access, intent: intent, on: connection, logger: logger)
            }
        case .marketData:
            guard identity != nil else {
                throw Problem.unauthorized("Market data needs a bearer access token.", error: "invalid_request")
            }
            return { intent, _ in
                if intent == .write, !access.isAdmin { throw Problem.forbidden("Only admins change market data.") }
                return PartScope(property: nil, parents: [])
            }
        }
    }
}

/// Every part's routes: the collection paths and what each hangs from, in one list.
func addPartRoutes(to router: Router<TractRequestContext>, postgres: PostgresClient, outbox: OutboxPublisher) {
    func routes<Part: PropertyPart>(_: Part.Type) -> PartRoutes<Part> {
        PartRoutes(store: PartStore(postgres: postgres, outbox: outbox))
    }
    routes(Units.self).addRoutes(to: router, at: "v1/properties/:id/units", parents: .property)
    routes(FloorPlans.self).addRoutes(to: router, at: "v1/properties/:id/floor-plans", parents: .property)
    routes(Comparables.self).addRoutes(to: router, at: "v1/properties/:id/comparables", parents: .property)
    routes(Valuations.self).addRoutes(to: router, at: "v1/properties/:id/valuations", parents: .property)
    routes(RenovationProjects.self).addRoutes(to: router, at: "v1/properties/:id/renovations", item: "project_id", parents: .property)
    let project = "v1/properties/:id/renovations/:project_id"
    routes(UnitRenovations.self).addRoutes(to: router, at: "\(project)/unit-renovations", parents: .renovationProject)
    routes(ProgressUpdates.self).addRoutes(to: router, at: "\(project)/progress-updates", parents: .renovationProject)
    routes(MarketAreas.self).addRoutes(to: router, at: "v1/market-areas", parents: .marketData)
}
