import Foundation
import Models
import NIOHTTP1
import ServiceKit

/// Where investments learns an investor's email address when it writes to them: `auth`'s
/// `GET /internal/v1/users/{id}`. Nothing is cached, so a changed address is used at once and
/// investments holds no copy of anyone's contact details.
struct InvestorContacts: Sendable {
    let internalClient: InternalHTTPClient
    let authURL: URL

    /// The investor's contact; 422 when auth has no such user, 503 when auth does not answer.
    func contact(of investor: UUID, context: CallContext) async throws -> UserContact {
        let url = self.authURL.appendingPathComponent("internal/v1/users/\(investor.uuidString.lowercased())")
        let reply: InternalHTTPClient.Reply
        do {
            reply = try await self.internalClient.send(.GET, url, context: context)
        } catch {
            throw Problem.serviceUnavailable("The auth service did not answer; the statement was not sent. Try again shortly.")
        }
        switch reply.status {
        case 200: return try reply.decode(as: UserContact.self)
        case 404: throw Problem.conflict("The investor's account no longer exists; the statement cannot be emailed.")
        default: throw Problem.serviceUnavailable("The auth service could not give the investor's address (HTTP \(reply.status)).")
        }
    }
}
