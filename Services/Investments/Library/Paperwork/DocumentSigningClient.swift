import Foundation
import HTTPTypes
import Models
import NIOCore
import NIOHTTP1
import ServiceKit

/// What investments asks properties about an offering's documents (investments never reads the
/// `media` schema): a document's current version with a signer's signature on it, and signing it
/// for an investor. Both over `/internal/v1/documents/{id}/signing` with the service token's
/// `internal:documents.sign` scope.
struct DocumentSigningClient: Sendable {
    let internalClient: InternalHTTPClient
    let propertiesURL: URL

    /// The current version of `document`'s name and `signer`'s signature on it; nil when the
    /// document no longer exists; 503 when properties does not answer.
    func facts(_ document: UUID, signer: UUID?, context: CallContext) async throws -> DocumentSigningFacts? {
        let path = self.propertiesURL.appendingPathComponent("internal/v1/documents/\(document.uuidString.lowercased())/signing")
        var components = URLComponents(url: path, resolvingAgainstBaseURL: false)
        if let signer { components?.queryItems = [URLQueryItem(name: "signer", value: signer.uuidString.lowercased())] }
        guard let url = components?.url else { throw Problem.serviceUnavailable("The properties service's URL is not usable.") }
        let reply: InternalHTTPClient.Reply
        do {
            reply = try await self.internalClient.send(.GET, url, context: context)
        } catch {
            throw Problem.serviceUnavailable("The properties service did not answer; try again shortly.")
        }
        switch reply.status {
        case 200: return try reply.decode(as: DocumentSigningFacts.self)
        case 404: return nil
        default: throw Problem.serviceUnavailable("The properties service could not read the document (HTTP \(reply.status)).")
        }
    }

    /// Signs for the investor. Properties' refusals a client can act on (404, 409, 422) come back
    /// as the same problem; anything else is a 503.
    func sign(_ document: UUID, _ request: DocumentSigningRequest, context: CallContext) async throws -> DocumentSignatureReceipt {
        let url = self.propertiesURL.appendingPathComponent("internal/v1/documents/\(document.uuidString.lowercased())/signing")
        let body = String(decoding: try JSONEncoder.tract.encode(request), as: UTF8.self)
        let reply: InternalHTTPClient.Reply
        do {
            // Not retried: a signature that was made but whose answer was lost must not be made twice.
            reply = try await self.internalClient.send(.POST, url, json: body, retries: false, context: context)
        } catch {
            throw Problem.serviceUnavailable("The properties service did not answer; try again shortly.")
        }
        switch reply.status {
        case 201: return try reply.decode(as: DocumentSignatureReceipt.self)
        case 404, 409, 422:
            // A plain decoder: the tract one would turn the extension members' snake_case names into camelCase.
            let details = try? JSONDecoder().decode(ProblemDetails.self, from: Data(reply.body.readableBytesView))
            throw Problem(
                HTTPResponse.Status(code: reply.status), detail: details?.detail, errors: details?.errors ?? [], type: details?.type,
                extensions: details?.extensions ?? [:])
        default: throw Problem.serviceUnavailable("The properties service could not record the signature (HTTP \(reply.status)).")
        }
    }
}
