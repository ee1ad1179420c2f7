import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import PostgresNIO
import ServiceKit

/// The five routes of one kind of part, mounted once per kind at its literal collection path by
/// the service definition: list and create on the collection, read, change (`PATCH`, merged) and
/// delete (soft) on `…/{part_id}`. Reads follow the parents' visibility (market data: signed-in
/// callers only); writes need a signed-in caller (`AuthenticatedContext`, else 401) with the right
/// to change the parents.
struct PartController<Part: PropertyPart>: RouteController {
    let store: PartStore<Part>

    /// The reads anonymous callers may reach too (none for market data).
    var publicEndpoints: RouteCollection<TractRequestContext> {
        let routes = RouteCollection(context: TractRequestContext.self)
        guard Part.parents != .marketData else { return routes }
        routes.get(use: self.listPublic)
        switch Part.item {
        case .part: routes.get(":part_id", use: self.showPublic)
        case .project: routes.get(":project_id", use: self.showPublic)
        }
        return routes
    }

    /// The routes for signed-in callers.
    var endpoints: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        if Part.parents == .marketData {
            routes.get(use: self.list)
        }
        routes.post(use: self.create)
        // Hummingbird's router needs one name per position, so a renovation project's id is
        // `project_id`, as in the paths of its own parts.
        switch Part.item {
        case .part:
            if Part.parents == .marketData { routes.get(":part_id", use: self.show) }
            routes.patch(":part_id", use: self.update)
            routes.delete(":part_id", use: self.delete)
        case .project:
            routes.patch(":project_id", use: self.update)
            routes.delete(":project_id", use: self.delete)
        }
        return routes
    }

    @Sendable func listPublic(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        try await self.list(request, parameters: context.parameters, identity: context.identity, logger: context.logger)
    }

    @Sendable func showPublic(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        try await self.show(parameters: context.parameters, identity: context.identity, logger: context.logger)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.list(request, parameters: context.parameters, identity: context.identity, logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        try await self.show(parameters: context.parameters, identity: context.identity, logger: context.logger)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let body = try await request.decode(as: JSONValue.self, context: context)
        let resolve = try Part.parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
        let (document, id) = try await self.store.create(resolve, body: body, logger: context.logger)
        return JSONDocument(document, status: .created, headers: [.location: "\(request.uri.path)/\(id.uuidString.lowercased())"])
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let body = try await request.decode(as: JSONValue.self, context: context)
        let resolve = try Part.parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
        let id = try context.parameters.uuid(Part.item.rawValue, Part.noun)
        return JSONDocument(try await self.store.update(resolve, id: id, body: body, logger: context.logger))
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        let resolve = try Part.parents.resolver(context.parameters, identity: context.identity, logger: context.logger)
        try await self.store.delete(resolve, id: try context.parameters.uuid(Part.item.rawValue, Part.noun), logger: context.logger)
        return .noContent
    }

    private func list(_ request: Request, parameters: Parameters, identity: Identity?, logger: Logger) async throws -> JSONDocument {
        let query = request.uri.queryParameters
        let page = try PageRequest(query, order: Part.order)
        let filters: [(column: String, value: String)] = Part.filters.compactMap { column in
            query[Substring(column)].flatMap { $0.isEmpty ? nil : (column, String($0)) }
        }
        let resolve = try Part.parents.resolver(parameters, identity: identity, logger: logger)
        return try await self.store.list(resolve, page: page, filters: filters, logger: logger)
    }

    private func show(parameters: Parameters, identity: Identity?, logger: Logger) async throws -> JSONDocument {
        let resolve = try Part.parents.resolver(parameters, identity: identity, logger: logger)
        return JSONDocument(try await self.store.find(resolve, id: try parameters.uuid(Part.item.rawValue, Part.noun), logger: logger))
    }
}

/// The path parameter naming one part.
enum PartItem: String, Sendable {
    case part = "part_id"
    case project = "project_id"
}

/// What a part hangs from, read from the path.
enum PartParents: Sendable, Equatable {
    /// `/v1/properties/{id}/…`: visible with the property, changed by its sponsor or an admin.
    case property
    /// `/v1/properties/{id}/renovations/{project_id}/…`: the same, within a live project.
    case renovationProject
    /// Market data: no property; signed-in users read it (its routes are all authenticated),
    /// admins change it.
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
            return { intent, _ in
                if intent.isWrite, !access.isAdmin { throw Problem.forbidden("Only admins change market data.") }
                return PartScope(property: nil, parents: [])
            }
        }
    }
}
