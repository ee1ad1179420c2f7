import Foundation
import Hummingbird
import Models
import ServiceKit

/// `GET /internal/v1/users/{id}`: a user's contact details for services that write to them
/// (investments sends statements), for service tokens only. Other services keep no copy of email
/// addresses; they ask here when they need one, so a changed address is used at once.
struct InternalUserController: RouteController {
    let users: Users

    /// Mounted at `/internal/v1/users`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.readUsers))
            .get(":id", use: self.show)
    }

    @Sendable func show(_ request: Request, context: AuthenticatedContext) async throws -> UserContactResponse {
        let id = try context.parameters.uuid("id", "user")
        guard let user = try await self.users.find(id: id, logger: context.logger), user.status != "deleted" else {
            throw Problem.notFound("No user has this id.")
        }
        return UserContactResponse(
            contact: UserContact(
                id: user.id, email: user.email, firstName: user.firstName, lastName: user.lastName, emailVerified: user.emailVerifiedAt != nil)
        )
    }
}

struct UserContactResponse: ResponseEncodable {
    var contact: UserContact

    func encode(to encoder: any Encoder) throws { try self.contact.encode(to: encoder) }
}
