import AsyncHTTPClient
import Foundation
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Verifies access tokens against the key set `auth` publishes at `/.well-known/jwks.json`.
///
/// Keys are cached and refreshed in the background once older than `cacheLifetime`; stale keys
/// keep verifying while auth is unreachable. A token naming a key id the cache lacks triggers one
/// refetch (auth rotated its key), but such refetches are spaced by `minimumRefetchInterval` so
/// that made-up key ids cannot be used to flood `auth`. The algorithm is pinned to what Tract signs
/// with (Ed25519, ES256) and must match the key's own, so `alg: none` and algorithm-confusion
/// tokens never reach a signature check. A token that verified is answered from a bounded cache
/// (`VerifiedTokenCache`) until its `exp`, and never past the key set's next refresh.
public actor TokenVerifier {
    /// The algorithms a key may be for. `EdDSA` (RFC 8037) names the same Ed25519 signatures RFC
    /// 9864 now calls `Ed25519`; a key published under either name is an Ed25519 key, and a
    /// token header saying `EdDSA` is accepted while `acceptsEdDSAAlgorithmName` is on.
    static func keyAlgorithm(named name: String) -> String? {
        switch name {
        case "Ed25519", "EdDSA": "Ed25519"
        case "ES256": "ES256"
        default: nil
        }
    }

    private let configuration: IdentityConfiguration
    /// Where personal API tokens (`tract_…`) are checked; nil where none are accepted.
    private let apiTokens: (any APITokenIntrospector)?
    private let httpClient: HTTPClient
    private let logger: Logger
    /// How long a fetched key set is trusted before it is fetched again on use.
    private let cacheLifetime: Duration
    /// The most one key-set download may take (`PEER_TIMEOUT_MS`).
    private let fetchTimeout: Duration
    private var keys = JWTKeyCollection()
    private var algorithmsByKeyID: [String: String] = [:]
    private var fetchedAt: ContinuousClock.Instant?
    private var lastUnknownKeyRefetch: ContinuousClock.Instant?
    private var nextBackgroundRefresh: ContinuousClock.Instant = .now
    private var inFlightFetch: Task<Void, any Error>?
    /// Completed fetches of the key set, for tests and metrics.
    public private(set) var fetchCount = 0
    /// Tokens already verified, with the number of key-set downloads so far: a verification that
    /// straddles a download is not cached, since it may have used a key the new set dropped.
    private let verified: Mutex<(cache: VerifiedTokenCache, keySets: Int)>

    public init(
        configuration: IdentityConfiguration,
        httpClient: HTTPClient = .shared,
        cacheLifetime: Duration = .seconds(300),
        fetchTimeout: Duration = .seconds(5),
        apiTokens: (any APITokenIntrospector)? = nil,
        cachedTokens: Int = 4096,
        logger: Logger
    ) {
        self.verified = Mutex((cache: VerifiedTokenCache(capacity: cachedTokens), keySets: 0))
        self.configuration = configuration
        self.apiTokens = apiTokens
        self.httpClient = httpClient
        self.cacheLifetime = cacheLifetime
        self.fetchTimeout = fetchTimeout
        self.logger = logger
    }

    /// The caller's identity from whichever bearer token came: a personal API token (`tract_…`) is
    /// asked about (`APITokenIntrospector`), anything else is verified as an access token. The one
    /// code path every service's `IdentityMiddleware` takes. `clientIP` is recorded as the API
    /// token's last use.
    public nonisolated func identify(_ token: String, clientIP: String?, context: CallContext) async throws -> Identity {
        guard APITokenFormat.claims(token) else { return try await self.verify(token) }
        guard let apiTokens = self.apiTokens else { throw Problem.unauthorized("API tokens are not accepted here.") }
        return try await apiTokens.identity(of: token, clientIP: clientIP, context: context, logger: self.logger)
    }

    /// The caller's identity, or a 401 `Problem` saying what is wrong with the token. A token seen
    /// before is answered without a trip through the actor or a signature check.
    public nonisolated func verify(_ token: String) async throws -> Identity {
        let key = VerifiedTokenCache.Key(token: token)
        let (cached, keySets) = self.verified.withLock { state in (state.cache.identity(for: key, now: Date()), state.keySets) }
        if let cached { return cached }
        let (identity, deadline) = try await self.verifyWithKeys(token)
        self.verified.withLock { state in
            if state.keySets == keySets, deadline > Date() { state.cache.insert(identity, for: key, deadline: deadline) }
        }
        return identity
    }

    /// The full check: header, key, signature, time, issuer and audience. Also returns until when
    /// the answer may be reused: the token's `exp`, or the key set's refresh if that comes first.
    private func verifyWithKeys(_ token: String) async throws -> (Identity, deadline: Date) {
        guard let header = TokenHeader.parse(token) else {
            throw Problem.unauthorized("The access token is not a well-formed JWT.")
        }
        guard let headerAlgorithm = Self.keyAlgorithm(named: header.alg),
            header.alg != "EdDSA" || self.configuration.acceptsEdDSAAlgorithmName
        else {
            throw Problem.unauthorized("The access token's algorithm \"\(header.alg)\" is not accepted.")
        }
        guard let keyID = header.kid else {
            throw Problem.unauthorized("The access token names no signing key (kid).")
        }
        try await self.ensureKey(keyID)
        guard let keyAlgorithm = self.algorithmsByKeyID[keyID] else {
            throw Problem.unauthorized("The access token was signed with an unknown key.")
        }
        guard keyAlgorithm == headerAlgorithm else {
            throw Problem.unauthorized("The access token's algorithm does not match its key.")
        }

        let claims: AccessTokenClaims
        do {
            claims = try await self.keys.verify(token, as: AccessTokenClaims.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .claimVerificationFailure where error.failedClaim is ExpirationClaim:
                throw Problem.unauthorized("The access token has expired.")
            case .claimVerificationFailure where error.failedClaim is NotBeforeClaim:
                throw Problem.unauthorized("The access token is not valid yet.")
            case .signatureVerificationFailed:
                throw Problem.unauthorized("The access token's signature is invalid.")
            default:
                throw Problem.unauthorized("The access token could not be verified.")
            }
        } catch {
            throw Problem.unauthorized("The access token could not be verified.")
        }
        guard claims.iss.value == self.configuration.issuer else {
            throw Problem.unauthorized("The access token was issued by someone else.")
        }
        guard claims.aud.value.contains(self.configuration.audience) else {
            throw Problem.unauthorized("The access token is not meant for this service.")
        }
        var deadline = claims.exp.value
        if let fetchedAt = self.fetchedAt {
            let freshFor = (self.cacheLifetime - (ContinuousClock.now - fetchedAt)).inSeconds
            deadline = min(deadline, Date().addingTimeInterval(freshFor))
        }
        return (Identity(claims: claims), deadline)
    }

    /// Makes sure the cache holds `keyID` if auth has published it.
    ///
    /// Only the very first fetch is waited for. A cache older than its lifetime keeps serving while
    /// a refresh runs in the background: its keys are still the keys (auth publishes a new key a
    /// cache lifetime before signing with it, so a refreshed set never surprises a live token), and
    /// auth being unreachable must not turn every authenticated request in the suite into a 503.
    private func ensureKey(_ keyID: String) async throws {
        guard let fetchedAt = self.fetchedAt else {
            try await self.fetch()
            return
        }
        let now = ContinuousClock.now
        if now - fetchedAt > self.cacheLifetime, now >= self.nextBackgroundRefresh {
            // A failed refresh is tried again after the refetch spacing, not on every request.
            self.nextBackgroundRefresh = now + self.configuration.minimumRefetchInterval
            Task { try? await self.fetch() }
        }
        guard self.algorithmsByKeyID[keyID] == nil else { return }
        // An unknown kid: auth may have rotated early. Refetches for unknown kids are spaced, so
        // made-up kids cost auth one fetch per interval; they cannot delay the scheduled refresh
        // above, which is what brings a new key in before it is used.
        if let last = self.lastUnknownKeyRefetch, now - last < self.configuration.minimumRefetchInterval { return }
        self.lastUnknownKeyRefetch = now
        try await self.fetch()
    }

    /// One fetch at a time; concurrent callers wait for the same one.
    private func fetch() async throws {
        if let inFlightFetch {
            try await inFlightFetch.value
            return
        }
        let task = Task { try await self.download() }
        self.inFlightFetch = task
        defer { self.inFlightFetch = nil }
        try await task.value
    }

    private func download() async throws {
        var request = HTTPClientRequest(url: self.configuration.jwksURL.absoluteString)
        request.headers.add(name: "Accept", value: "application/json")
        let body: ByteBuffer
        do {
            let response = try await self.httpClient.execute(request, timeout: .init(self.fetchTimeout))
            guard response.status == .ok else {
                throw Problem.serviceUnavailable("The key set could not be fetched (HTTP \(response.status.code)).")
            }
            body = try await response.body.collect(upTo: 1 << 20)
        } catch let problem as Problem {
            self.logger.warning("JWKS fetch failed", metadata: ["error": .string(problem.description)])
            throw problem
        } catch {
            self.logger.warning("JWKS fetch failed", metadata: ["error": .string("\(error)")])
            throw Problem.serviceUnavailable("The key set could not be fetched.")
        }
        let jwks = try JSONDecoder().decode(JWKS.self, from: Self.namingEd25519AsJWTKitDoes(Data(body.readableBytesView)))
        let collection = JWTKeyCollection()
        var algorithms: [String: String] = [:]
        for key in jwks.keys {
            guard let keyID = key.keyIdentifier?.string, let algorithm = Self.algorithm(of: key) else { continue }
            do {
                try await collection.add(jwk: key)
                algorithms[keyID] = algorithm
            } catch {
                self.logger.warning("skipping unusable JWK", metadata: ["kid": .string(keyID)])
            }
        }
        self.keys = collection
        self.algorithmsByKeyID = algorithms
        self.verified.withLock { state in
            state.cache.removeAll()
            state.keySets += 1
        }
        self.fetchedAt = .now
        self.fetchCount += 1
        self.logger.debug("JWKS fetched", metadata: ["keys": .stringConvertible(algorithms.count)])
    }

    /// The key's declared algorithm, or the one its type implies; keys of other types are ignored.
    static func algorithm(of key: JWK) -> String? {
        if let algorithm = key.algorithm?.rawValue { return Self.keyAlgorithm(named: algorithm) }
        let curve = key.curve?.rawValue
        if key.keyType == .octetKeyPair, curve == "Ed25519" { return "Ed25519" }
        if key.keyType == .ecdsa, curve == "P-256" { return "ES256" }
        return nil
    }

    /// jwt-kit 5 knows Ed25519 keys only as `"alg":"EdDSA"` and refuses a key set in which one
    /// says `Ed25519`; the key is the same, so the name is translated before jwt-kit reads it.
    static func namingEd25519AsJWTKitDoes(_ body: Data) throws -> Data {
        guard var document = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            let keys = document["keys"] as? [[String: Any]]
        else { return body }
        document["keys"] = keys.map { key in
            var key = key
            if key["alg"] as? String == "Ed25519" { key["alg"] = "EdDSA" }
            return key
        }
        return try JSONSerialization.data(withJSONObject: document)
    }
}
