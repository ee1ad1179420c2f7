import Foundation
import Models
import NIOHTTP1
import ServiceKit

/// What messaging asks `properties`, always before its own transaction opens (ARCHITECTURE.md,
/// "Events": never call a peer while holding one): the sponsor of a property an investor may
/// see ("ask the sponsor"), and whether a sender may read the documents they attach.
struct PropertyLookups: Sendable {
    let client: InternalHTTPClient
    let baseURL: URL

    init(client: InternalHTTPClient, baseURL: URL) {
        self.client = client
        self.baseURL = baseURL
    }

    init(_ dependencies: ServiceDependencies) {
        self.init(
            client: dependencies.internalClient,
            baseURL: dependencies.configuration.events.peers[ServiceName.properties.rawValue]
                ?? URL(string: "http://127.0.0.1:\(ServiceName.properties.defaultPort)")!
        )
    }

    /// The property as properties has it, or nil when there is none; 503 when properties cannot
    /// say. The one way communications asks (messaging, event hosts, webhook fan-out).
    func property(_ id: UUID, context: CallContext) async throws -> PropertySnapshot? {
        let url = self.baseURL.appendingPathComponent("internal/v1/properties/\(id.uuidString.lowercased())")
        let reply = try await self.call(url, context: context)
        switch reply.status {
        case 200: return try reply.decode(as: PropertySnapshot.self)
        case 404: return nil
        default: throw Problem.serviceUnavailable("The properties service could not look up the property (HTTP \(reply.status)).")
        }
    }

    /// The property if a signed-in investor may see it (published — past `prospect` — and open to
    /// investors or the public); nil otherwise, so a private or unlisted one is the same 404 as
    /// none at all.
    func askableProperty(_ id: UUID, context: CallContext) async throws -> PropertySnapshot? {
        guard let snapshot = try await self.property(id, context: context), snapshot.status != "prospect",
            ["investors", "public"].contains(snapshot.visibility)
        else { return nil }
        return snapshot
    }

    /// The attachments `reader` may not read, by properties' own rule (their shares included).
    /// One call per document, concurrently; a message has a handful at most.
    func unreadable(_ documents: [UUID], reader: Identity, context: CallContext) async throws -> [UUID] {
        guard let user = reader.userID else { return documents }
        let roles = reader.roles.map(\.rawValue).sorted().joined(separator: ",")
        return try await withThrowingTaskGroup(of: UUID?.self) { group in
            for document in documents {
                group.addTask {
                    var components = URLComponents(
                        url: self.baseURL.appendingPathComponent("internal/v1/documents/\(document.uuidString.lowercased())"),
                        resolvingAgainstBaseURL: false)
                    components?.queryItems = [
                        URLQueryItem(name: "reader", value: user.uuidString.lowercased()), URLQueryItem(name: "roles", value: roles),
                    ]
                    if let organization = reader.organizationID { components?.queryItems?.append(URLQueryItem(name: "org", value: organization)) }
                    guard let url = components?.url else { return document }
                    let reply = try await self.call(url, context: context)
                    switch reply.status {
                    case 200: return nil
                    case 404: return document
                    default: throw Problem.serviceUnavailable("The properties service could not check the attachments (HTTP \(reply.status)).")
                    }
                }
            }
            var refused: [UUID] = []
            for try await result in group { if let result { refused.append(result) } }
            return refused
        }
    }

    private func call(_ url: URL, context: CallContext) async throws -> InternalHTTPClient.Reply {
        do {
            return try await self.client.send(.GET, url, context: context)
        } catch {
            throw Problem.serviceUnavailable("The properties service did not answer; try again shortly.")
        }
    }
}
