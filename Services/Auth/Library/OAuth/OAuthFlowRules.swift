import Crypto
import Foundation
import ServiceKit

/// Where a finished flow may send the browser (`OAUTH_ALLOWED_REDIRECTS`). Compared as parsed
/// URLs, never as string prefixes, so `https://app.example.com.evil.net` or
/// `https://app.example.com@evil.net` do not pass for `https://app.example.com`.
enum RedirectAllowList {
    static func origin(of url: URL) -> URL {
        var components = URLComponents()
        components.scheme = url.scheme?.lowercased()
        components.host = url.host?.lowercased()
        components.port = url.port
        return components.url ?? url
    }

    /// Whether `candidate` may receive the browser: same scheme, host and port as an allowed
    /// origin (any path), or equal to an allowed URL that has a path. User info and fragments are
    /// refused outright.
    static func allows(_ candidate: String, in allowed: [URL]) -> Bool {
        guard candidate.utf8.count <= 2000, let url = URLComponents(string: candidate),
            let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased(), !host.isEmpty,
            url.user == nil, url.password == nil, url.fragment == nil
        else { return false }
        for entry in allowed {
            guard let entryHost = entry.host?.lowercased(), entry.scheme?.lowercased() == scheme, entryHost == host,
                Self.port(entry.port, scheme) == Self.port(url.port, scheme)
            else { continue }
            if entry.path.isEmpty || entry.path == "/" { return true }
            if url.path == entry.path, url.query == nil || url.query == entry.query { return true }
        }
        return false
    }

    static func port(_ port: Int?, _ scheme: String) -> Int { port ?? (scheme == "https" ? 443 : 80) }
}

/// PKCE (RFC 7636) with S256. The verifier is not stored: it is an HMAC of the flow's `state`
/// under a key only auth has, so it can be recomputed when the state comes back and a leaked
/// flows table holds nothing that could redeem a stolen authorization code.
struct PKCE: Sendable {
    let key: SymmetricKey

    func verifier(forState state: String) -> String {
        // 32 bytes → 43 base64url characters, the shortest verifier RFC 7636 §4.1 allows.
        SecretToken.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Data("pkce:\(state)".utf8), using: self.key)))
    }

    static func challenge(forVerifier verifier: String) -> String {
        SecretToken.base64URL(Array(SHA256.hash(data: Data(verifier.utf8))))
    }
}
