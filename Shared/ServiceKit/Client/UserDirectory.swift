import Foundation
import Models
import NIOCore
import NIOHTTP1

/// Where a service learns a user's email address when it writes to them: `auth`'s
/// `GET /internal/v1/users/{id}` with the service's token. Nothing is cached, so a changed address
/// is used at once and no other service keeps a copy of anyone's contact details.
public struct UserDirectory: Sendable {
    let internalClient: InternalHTTPClient
    let authURL: URL

    public init(internalClient: InternalHTTPClient, authURL: URL) {
        self.internalClient = internalClient
        self.authURL = authURL
    }

    /// The directory at the `auth` peer of `dependencies`' configuration.
    public init(_ dependencies: ServiceDependencies) {
        self.init(
            internalClient: dependencies.internalClient,
            authURL: dependencies.configuration.events.peers[ServiceName.auth.rawValue]
                ?? URL(string: "http://127.0.0.1:\(ServiceName.auth.defaultPort)")!
        )
    }

    /// The user's contact, or nil when auth has no such (undeleted) user. Throws
    /// `InternalCallError` when auth cannot be reached or answers otherwise.
    public func contact(of user: UUID, context: CallContext) async throws -> UserContact? {
        let url = self.authURL.appendingPathComponent("internal/v1/users/\(user.uuidString.lowercased())")
        let reply = try await self.internalClient.send(.GET, url, context: context)
        switch reply.status {
        case 200: return try reply.decode(as: UserContact.self)
        case 404: return nil
        default: throw InternalCallError.status(reply.status, String(buffer: reply.body))
        }
    }

    /// The contacts of those of `users` auth has (undeleted), asked 1,000 at a time
    /// (`POST /internal/v1/users/contacts`). Throws `InternalCallError` as `contact(of:)` does.
    public func contacts(of users: [UUID], context: CallContext) async throws -> [UserContact] {
        struct Page: Decodable { var data: [UserContact] }
        struct Ask: Encodable { var ids: [UUID] }
        let url = self.authURL.appendingPathComponent("internal/v1/users/contacts")
        var contacts: [UserContact] = []
        for start in stride(from: 0, to: users.count, by: 1000) {
            let body = try JSONEncoder().encode(Ask(ids: Array(users[start..<min(start + 1000, users.count)])))
            let reply = try await self.internalClient.send(.POST, url, json: String(decoding: body, as: UTF8.self), context: context)
            guard reply.status == 200 else { throw InternalCallError.status(reply.status, String(buffer: reply.body)) }
            contacts += try reply.decode(as: Page.self).data
        }
        return contacts
    }
}
