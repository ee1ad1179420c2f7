import Foundation
import Hummingbird
import Models
import ServiceKit

/// `GET /internal/v1/users/{id}`: a user's contact details for services that write to them
/// (investments sends statements), for service tokens only. Other services keep no copy of email
/// addresses; they ask here when they need one, so a changed address is used at once.
/// `POST /internal/v1/users/contacts` answers for up to 1,000 users at once (a campaign to a
/// segment of 10,000 is 10 calls, not 10,000).
struct InternalUserController: RouteController {
    let users: Users

    /// Mounted at `/internal/v1/users`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .add(middleware: RequireScopeMiddleware(Scope.readUsers))
            .get(":id", use: self.show)
            .post("contacts", use: self.contacts)
    }

    static let maximumPerCall = 1000

    /// `{"ids": [...]}` (1–1,000) → `{"data": [contact, ...]}`: those that exist and are not
    /// deleted, in no promised order; the caller matches them by id.
    @Sendable func contacts(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        var fields = try BodyFields(try await request.decode(as: JSONValue.self, context: context), allowed: ["ids"], required: ["ids"])
        var ids: [UUID] = []
        switch fields.value("ids") {
        case .array(let items)? where (1...Self.maximumPerCall).contains(items.count):
            for (index, item) in items.enumerated() {
                if case .string(let text) = item, let id = UUID(uuidString: text) {
                    ids.append(id)
                } else {
                    fields.add("ids[\(index)]", "must be a user id (a UUID)")
                }
            }
        default:
            fields.add("ids", "must be a list of 1 to \(Self.maximumPerCall) user ids")
        }
        try fields.check()
        let contacts = try await self.users.contacts(of: ids, logger: context.logger)
        return JSONDocument(String(decoding: try JSONEncoder.tract.encode(["data": contacts]), as: UTF8.self))
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
