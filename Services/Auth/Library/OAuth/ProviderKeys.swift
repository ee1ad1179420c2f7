import AsyncHTTPClient
import Foundation
import HTTPTypes
import JWTKit
import Logging
import NIOCore
import NIOHTTP1
import ServiceKit

/// What an OpenID Connect provider publishes at its discovery URL (OIDC Discovery §3).
struct DiscoveryDocument: Decodable, Sendable, Equatable {
    var issuer: String
    var authorizationEndpoint: URL
    var tokenEndpoint: URL
    var jwksUri: URL
    var idTokenSigningAlgValuesSupported: [String]?
    var tokenEndpointAuthMethodsSupported: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksUri = "jwks_uri"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
    }
}

/// One OIDC provider's discovery document and signing keys, fetched on first use and cached.
///
/// The document is kept for a day. Keys are kept for an hour; a token naming a key id the cache
/// lacks (the provider rotated) triggers a refetch, but such refetches are spaced a minute apart,
/// so made-up key ids cannot turn sign-in attempts into a flood of requests to the provider.
/// Algorithms are pinned to asymmetric ones the provider declares, so `alg: none` and HMAC
/// tokens keyed with a public key never reach a signature check.
actor ProviderKeys {
    static let acceptedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
    static let documentLifetime: Duration = .seconds(86400)
    static let keyLifetime: Duration = .seconds(3600)
    static let unknownKeyRefetchSpacing: Duration = .seconds(60)
    static let fetchTimeout: TimeAmount = .seconds(10)
    static let maximumDocumentBytes = 512 * 1024

    let provider: String
    let discoveryURL: URL
    let logger: Logger
    private var document: (value: DiscoveryDocument, at: ContinuousClock.Instant)?
    private var cachedKeys: (collection: JWTKeyCollection, byID: [String: JWK], at: ContinuousClock.Instant)?
    private var lastUnknownKeyRefetch: ContinuousClock.Instant?

    init(provider: String, discoveryURL: URL, logger: Logger) {
        self.provider = provider
        self.discoveryURL = discoveryURL
        self.logger = logger
    }

    func discovery() async throws -> DiscoveryDocument {
        if let document, ContinuousClock.now - document.at < Self.documentLifetime { return document.value }
        do {
            let fetched = try JSONDecoder().decode(DiscoveryDocument.self, from: try await Self.get(self.discoveryURL))
            try self.checkIssuer(fetched.issuer)
            self.document = (fetched, .now)
            return fetched
        } catch {
            // A provider that is briefly down must not stop sign-in while a copy exists.
            if let document { return document.value }
            self.logger.warning("OIDC discovery failed", metadata: ["provider": .string(self.provider), "error": .string("\(error)")])
            throw Problem(
                .badGateway, detail: "The provider's configuration could not be fetched.", type: "https://tract.dev/problems/provider-unavailable")
        }
    }

    /// OIDC Discovery §4.3: the issuer a document names must be the URL it was fetched under, so a
    /// document served elsewhere cannot claim to be Google. Microsoft's multi-tenant documents name
    /// a `{tenantid}` template instead, checked per token (IDTokenRules).
    private func checkIssuer(_ issuer: String) throws {
        guard !issuer.contains("{tenantid}") else { return }
        let base = self.discoveryURL.absoluteString.replacingOccurrences(of: "/.well-known/openid-configuration", with: "")
        func trimmed(_ text: String) -> String { text.hasSuffix("/") ? String(text.dropLast()) : text }
        guard trimmed(base) == trimmed(issuer) else {
            throw Problem(.badGateway, detail: "The provider's discovery document names another issuer.")
        }
    }

    /// Verifies the ID token's signature against the provider's keys and decodes its claims; the
    /// claim rules are the caller's (IDTokenRules).
    func verifySignature(_ token: String) async throws(IDTokenSignatureFailure) -> IDTokenClaims {
        guard token.utf8.count <= 16 * 1024, let header = IDTokenHeader.parse(token) else { throw .malformed }
        guard Self.acceptedAlgorithms.contains(header.alg) else { throw .algorithmRefused }
        let document: DiscoveryDocument
        do { document = try await self.discovery() } catch { throw .keysUnavailable }
        if let declared = document.idTokenSigningAlgValuesSupported, !declared.contains(header.alg) { throw .algorithmRefused }
        let keys: (collection: JWTKeyCollection, byID: [String: JWK], at: ContinuousClock.Instant)
        do { keys = try await self.currentKeys(for: header.kid, document: document) } catch { throw .keysUnavailable }
        if let kid = header.kid {
            guard let key = keys.byID[kid] else { throw .unknownKey }
            guard Self.keyFits(key, algorithm: header.alg) else { throw .algorithmRefused }
        }
        do {
            // Without a kid (some providers omit it when they have one key) every key is tried.
            return try await keys.collection.verify(token, as: IDTokenClaims.self, iteratingKeys: header.kid == nil)
        } catch {
            throw .badSignature
        }
    }

    private func currentKeys(for kid: String?, document: DiscoveryDocument) async throws -> (
        collection: JWTKeyCollection, byID: [String: JWK], at: ContinuousClock.Instant
    ) {
        let now = ContinuousClock.now
        if let keys = self.cachedKeys, now - keys.at < Self.keyLifetime {
            guard let kid, keys.byID[kid] == nil else { return keys }
            if let last = self.lastUnknownKeyRefetch, now - last < Self.unknownKeyRefetchSpacing { return keys }
            self.lastUnknownKeyRefetch = now
        }
        do {
            let fetched = try await Self.keySet(try await Self.get(document.jwksUri))
            self.cachedKeys = fetched
            return fetched
        } catch {
            if let keys = self.cachedKeys { return keys }
            throw error
        }
    }

    /// Keys the set holds that jwt-kit can use; one it cannot (an unknown type, no kid) is skipped
    /// rather than failing the whole set.
    static func keySet(_ data: Data) async throws -> (collection: JWTKeyCollection, byID: [String: JWK], at: ContinuousClock.Instant) {
        struct KeySetBody: Decodable {
            var keys: [Entry]
        }
        struct Entry: Decodable {
            var key: JWK?
            init(from decoder: any Decoder) throws { self.key = try? JWK(from: decoder) }
        }
        let set = try JSONDecoder().decode(KeySetBody.self, from: data)
        let collection = JWTKeyCollection()
        var byID: [String: JWK] = [:]
        for case let key? in set.keys.map(\.key).prefix(50) {
            guard let kid = key.keyIdentifier?.string, key.privateExponent == nil else { continue }
            if (try? await collection.add(jwk: key)) != nil { byID[kid] = key }
        }
        return (collection, byID, .now)
    }

    /// The key's type must be the algorithm's (and its declared `alg`, if any, the same).
    static func keyFits(_ key: JWK, algorithm: String) -> Bool {
        if let declared = key.algorithm?.rawValue, declared != algorithm { return false }
        switch algorithm.prefix(2) {
        case "RS", "PS": return key.keyType == .rsa
        case "ES": return key.keyType == .ecdsa
        default: return algorithm == "EdDSA" && key.keyType == .octetKeyPair
        }
    }

    static func get(_ url: URL) async throws -> Data {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: Self.fetchTimeout)
        let body = try await response.body.collect(upTo: Self.maximumDocumentBytes)
        guard response.status == .ok else { throw Problem(.badGateway, detail: "The provider answered HTTP \(response.status.code).") }
        return Data(body.readableBytesView)
    }
}

enum IDTokenSignatureFailure: String, Error {
    case malformed = "id_token_malformed"
    case algorithmRefused = "id_token_algorithm_refused"
    case unknownKey = "id_token_unknown_key"
    case badSignature = "id_token_bad_signature"
    case keysUnavailable = "provider_keys_unavailable"
}

/// The JWS header fields decided on before any cryptography.
struct IDTokenHeader: Decodable, Equatable {
    var alg: String
    var kid: String?

    static func parse(_ token: String) -> IDTokenHeader? {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return nil }
        var base64 = segments[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(IDTokenHeader.self, from: data)
    }
}
