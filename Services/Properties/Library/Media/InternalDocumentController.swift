import Foundation
import Hummingbird
import Models
import ServiceKit

/// `GET /internal/v1/documents/{id}?reader=…&roles=…&org=…`: whether a user may read a document,
/// by the same rule `/v1/documents/{id}` holds them to, for a service acting for that user
/// (communications, before a message may reference the document as an attachment). The caller
/// relays the user's id, roles and organisation from the user's verified token. 200 with the
/// document when the user may read it, 404 when not (or when it does not exist).
struct InternalDocumentController: RouteController {
    let documents: DocumentController

    /// Service tokens with the `internal:documents.read` scope.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.readDocuments))
            .get(":id", use: self.show)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "document")
        let query = request.uri.queryParameters
        guard let readerText = query["reader"], let reader = UUID(uuidString: String(readerText)) else {
            throw Problem.validation(field: "reader", "is required: the id of the user the caller acts for")
        }
        let roleNames = query["roles"].map { $0.split(separator: ",").map(String.init) } ?? []
        var roles = Set<Role>()
        for name in roleNames {
            guard let role = Role(rawValue: name) else { throw Problem.validation(field: "roles", "must be roles separated by commas") }
            roles.insert(role)
        }
        let identity = Identity(
            subject: reader.uuidString.lowercased(), roles: roles, organizationID: query["org"].map(String.init), scopes: [Scope.user])
        let (document, _) = try await self.documents.readable(id, by: identity, forDownload: false, logger: context.logger)
        return JSONDocument(document.json)
    }
}
