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
}
