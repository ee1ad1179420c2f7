import Foundation
import Models
import ServiceKit

/// The investor's address for a statement email, from auth (`UserDirectory`), with the refusals
/// the statement routes answer.
struct InvestorContacts: Sendable {
    let directory: UserDirectory

    /// The investor's contact; 409 when auth has no such user, 503 when auth does not answer.
    func contact(of investor: UUID, context: CallContext) async throws -> UserContact {
        let found: UserContact?
        do {
            found = try await self.directory.contact(of: investor, context: context)
        } catch InternalCallError.status(let status, _) {
            throw Problem.serviceUnavailable("The auth service could not give the investor's address (HTTP \(status)).")
        } catch {
            throw Problem.serviceUnavailable("The auth service did not answer; the statement was not sent. Try again shortly.")
        }
        guard let found else {
            throw Problem.conflict("The investor's account no longer exists; the statement cannot be emailed.")
        }
        return found
    }
}
