import Foundation
import HTTPTypes
import Hummingbird
import Models
import ServiceKit

/// `/v1/properties`: search and read for everyone the listing is visible to; create, change and
/// delete for its sponsor and admins.
struct PropertyRoutes: Sendable {
    let store: PropertyStore

    func addRoutes(to router: Router<TractRequestContext>) {
        let properties = router.group("v1/properties")
        properties.get { request, context -> JSONDocument in
            let search = try PropertySearch(request.uri.queryParameters)
            return try await self.store.search(search, access: PropertyAccess(identity: context.identity), logger: context.logger)
        }
        properties.post { request, context -> JSONDocument in
            let creator = try PropertyAccess(identity: context.identity).requireCanCreate()
            let fields = try await request.decode(as: PropertyFields.self, context: context).withDefaults()
            var errors = fields.problems(currentYear: Self.currentYear)
            if fields.status == .sold { errors.append(.init(field: "status", message: "a new listing cannot start sold")) }
            guard errors.isEmpty else { throw Problem.validation(errors) }
            let record = try await self.store.create(fields, by: creator, logger: context.logger)
            return JSONDocument(record.document, status: .created, headers: [.location: "/v1/properties/\(record.property.id.uuidString.lowercased())"])
        }
        // `:id` takes an id or a slug; the router needs one parameter name per position.
        properties.get(":id") { _, context -> JSONDocument in
            let reference = try context.parameters.require("id")
            guard let record = try await self.store.find(reference, logger: context.logger),
                PropertyAccess(identity: context.identity).canRead(record.property)
            else { throw Problem.notFound("No property has this id or slug.") }
            return JSONDocument(record.document)
        }
        let owned = router.group("v1/properties", context: AuthenticatedContext.self)
        owned.patch(":id") { request, context -> JSONDocument in
            let id = try Self.id(context)
            let patch = try PropertyPatch(body: try await request.decode(as: JSONValue.self, context: context))
            let record = try await self.store.update(id, access: PropertyAccess(identity: context.identity), logger: context.logger) { current in
                try patch.apply(to: current, currentYear: Self.currentYear)
            }
            return JSONDocument(record.document)
        }
        owned.delete(":id") { _, context -> HTTPResponse.Status in
            try await self.store.delete(try Self.id(context), access: PropertyAccess(identity: context.identity), logger: context.logger)
            return .noContent
        }
    }

    static func id(_ context: some RequestContext) throws -> UUID {
        try context.parameters.uuid("id", "property")
    }

    static var currentYear: Int { Calendar(identifier: .gregorian).component(.year, from: Date()) }
}
