import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `/v1/properties`: search and read for everyone the listing is visible to; create, change and
/// delete for its sponsor and admins.
struct PropertyController: RouteController {
    let store: PropertyStore
    let clock: ServiceClock

    /// Routes anonymous callers may reach too.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get(use: self.search)
            // `:id` takes an id or a slug; the router needs one parameter name per position.
            .get(":id", use: self.show)
    }

    /// Routes for signed-in callers (401 without a token).
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.create)
            .patch(":id", use: self.update).delete(":id", use: self.delete)
    }

    /// The year the service's clock says it is: the bound of "built at most five years ahead".
    var currentYear: Int { Calendar(identifier: .gregorian).component(.year, from: self.clock.now) }

    @Sendable func search(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let search = try PropertySearch(request.uri.queryParameters)
        return try await self.store.search(search, access: PropertyAccess(identity: context.identity), logger: context.logger)
    }

    @Sendable func show(_ request: Request, context: TractRequestContext) async throws -> JSONDocument {
        let reference = try context.parameters.require("id")
        guard let record = try await self.store.find(reference, logger: context.logger),
            PropertyAccess(identity: context.identity).canRead(record.property)
        else { throw Problem.notFound("No property has this id or slug.") }
        return JSONDocument(record.document)
    }

    @Sendable func create(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let creator = try PropertyAccess(identity: context.identity).requireCanCreate()
        let fields = try await request.decode(as: PropertyFields.self, context: context).withDefaults()
        var errors = FieldErrors()
        errors.add(contentsOf: fields.problems(currentYear: self.currentYear))
        if fields.status == .sold { errors.add("status", "a new listing cannot start sold") }
        try errors.check()
        let record = try await self.store.create(fields, by: creator, logger: context.logger)
        return JSONDocument(record.document, status: .created, headers: [.location: "/v1/properties/\(record.property.id.uuidString.lowercased())"])
    }

    @Sendable func update(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "property")
        let patch = try PropertyPatch(body: try await request.decode(as: JSONValue.self, context: context))
        let currentYear = self.currentYear
        let record = try await self.store.update(id, access: PropertyAccess(identity: context.identity), logger: context.logger) { current in
            try patch.apply(to: current, currentYear: currentYear)
        }
        return JSONDocument(record.document)
    }

    @Sendable func delete(_ request: Request, context: AuthenticatedContext) async throws -> HTTPResponse.Status {
        try await self.store.delete(
            try context.parameters.uuid("id", "property"), access: PropertyAccess(identity: context.identity), logger: context.logger)
        return .noContent
    }
}
