import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1

/// Supplies the bearer token a service presents when it calls another service's `/internal/` routes.
public protocol ServiceTokenProvider: Sendable {
    /// `nil` when this service has no credentials; the call then goes out unauthenticated and the
    /// peer answers 401.
    func token() async throws -> String?
}

/// Service tokens from auth's client-credentials grant (RFC 6749 §4.4), cached until shortly before
/// they expire.
public actor ClientCredentialsTokenProvider: ServiceTokenProvider {
    private let tokenURL: URL
    private let clientID: String
    private let clientSecret: String?
    private let httpClient: HTTPClient
    private var cached: (token: String, renewAt: ContinuousClock.Instant)?

    public init(tokenURL: URL, clientID: String, clientSecret: String?, httpClient: HTTPClient = .shared) {
        self.tokenURL = tokenURL
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.httpClient = httpClient
    }

    struct TokenResponse: Decodable {
        var accessToken: String
        var expiresIn: Int
    }

    public func token() async throws -> String? {
        guard let clientSecret else { return nil }
        if let cached, ContinuousClock.now < cached.renewAt { return cached.token }
        var request = HTTPClientRequest(url: self.tokenURL.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        var form = URLComponents()
        form.queryItems = [
            URLQueryItem(name: "grant_type", value: "client_credentials"),
            URLQueryItem(name: "client_id", value: self.clientID),
            URLQueryItem(name: "client_secret", value: clientSecret),
            // No `scope`: the token carries every scope auth grants this client (ServiceGrants).
        ]
        request.body = .bytes(ByteBuffer(string: form.percentEncodedQuery ?? ""))
        let response = try await self.httpClient.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 << 10)
        guard response.status == .ok else {
            throw InternalCallError.status(Int(response.status.code), String(buffer: body))
        }
        let token = try JSONDecoder.tract.decode(TokenResponse.self, from: Data(body.readableBytesView))
        // Renew a minute early (or halfway, for short tokens) so a token never expires in flight.
        let margin = min(60, token.expiresIn / 2)
        self.cached = (token.accessToken, ContinuousClock.now + .seconds(token.expiresIn - margin))
        return token.accessToken
    }
}
