import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import AuthService

/// A python peer the OAuth tests talk to over real HTTP: the OpenID Connect provider
/// (`oauth-oidc-provider.py`, oidc-provider-mock with PKCE enforced) or GitHub
/// (`oauth-github-peer.py`). One per test, on a free loopback port; killed when released.
final class OAuthPeer: Sendable {
    static var isConfigured: Bool { ProcessInfo.processInfo.environment["TRACT_PYTHON"] != nil }

    let baseURL: URL
    private let process: Process
    private let log: URL

    init(script: String, arguments: [String] = []) throws {
        let path = RepositoryScripts.root.appendingPathComponent("scripts").appendingPathComponent(script).path
        log = FileManager.default.temporaryDirectory.appendingPathComponent("tract-\(script)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: RepositoryScripts.python)
        process.arguments = ["-u", path] + arguments
        // A file rather than a pipe: an undrained pipe would stall the peer's logging.
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline, process.isRunning {
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:\d+"#, options: .regularExpression),
                let url = URL(string: String(text[range].dropFirst("listening on ".count)))
            {
                self.baseURL = url
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw OAuthPeerDidNotStart(script: script, output: (try? String(contentsOf: log, encoding: .utf8)) ?? text)
    }

    deinit {
        // SIGKILL: a child started from a test thread may have SIGTERM blocked (MotoServer's note).
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }

    /// The OIDC provider.
    static func oidc() throws -> OAuthPeer { try OAuthPeer(script: "oauth-oidc-provider.py") }

    /// GitHub, accepting `github-client` / `github-secret`.
    static func gitHub() throws -> OAuthPeer { try OAuthPeer(script: "oauth-github-peer.py", arguments: ["github-client", "github-secret"]) }

    /// Sets a user's claims at the OIDC provider (`PUT /users/<sub>`); claims such as `nonce`,
    /// `aud`, `exp` or `azp` replace the ID token's own.
    func setUser(_ sub: String, claims: String) async throws {
        let reply = try await OAuthHTTP.send(.PUT, self.baseURL.absoluteString + "/users/\(sub)", body: claims, contentType: "application/json")
        precondition(reply.status == 204, reply.text)
    }

    /// Sets a GitHub user (`PUT /test/users/<id>`).
    func setGitHubUser(_ id: Int, json: String) async throws {
        let reply = try await OAuthHTTP.send(.PUT, self.baseURL.absoluteString + "/test/users/\(id)", body: json, contentType: "application/json")
        precondition(reply.status == 204, reply.text)
    }
}

struct OAuthPeerDidNotStart: Error, CustomStringConvertible {
    var script: String
    var output: String
    var description: String { "\(self.script) did not start (is oidc-provider-mock installed? set TRACT_PYTHON): \(self.output)" }
}

/// HTTP that does not follow redirects: the tests read each 302/303 themselves, as the point of
/// the flow is where it sends the browser.
enum OAuthHTTP {
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    static func send(
        _ method: HTTPMethod, _ url: String, body: String? = nil, contentType: String = "application/x-www-form-urlencoded",
        headers: [(String, String)] = []
    ) async throws -> OAuthReply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return OAuthReply(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }

    static func query(_ url: String) -> [String: String] {
        var items: [String: String] = [:]
        for item in URLComponents(string: url)?.queryItems ?? [] { items[item.name] = item.value }
        return items
    }
}

extension AuthFixture {
    /// The base the tests configure as `OAUTH_REDIRECT_BASE`; the provider redirects there and
    /// the test replays the request against the running service.
    static let redirectBase = URL(string: "http://tract.test")!
    static let appRedirect = "https://app.example/signed-in"

    /// Auth with the OIDC peer as provider `acme` (client `tract-client`) and, when given, the
    /// GitHub peer as `github`.
    static func oauthSettings(oidc: OAuthPeer?, gitHub: OAuthPeer? = nil, requestsPerIP: TokenBucket = TokenBucket(1000, per: .seconds(300)))
        -> AuthSettings
    {
        var settings = AuthFixture.settings()
        var providers: [OAuthProvider] = []
        if let oidc {
            providers.append(
                OAuthProvider(
                    name: "acme", kind: .openIDConnect(discoveryURL: OAuthSettings.discoveryDocument(oidc.baseURL)), clientID: "tract-client",
                    clientSecret: "tract-client-secret", scopes: ["openid", "email", "profile"]))
        }
        if let gitHub {
            providers.append(
                OAuthProvider(
                    name: "github",
                    kind: .gitHub(
                        GitHubEndpoints(
                            authorizeURL: gitHub.baseURL.appendingPathComponent("login/oauth/authorize"),
                            tokenURL: gitHub.baseURL.appendingPathComponent("login/oauth/access_token"), apiURL: gitHub.baseURL)),
                    clientID: "github-client", clientSecret: "github-secret", scopes: ["read:user", "user:email"]))
        }
        settings.oauth = OAuthSettings(
            providers: providers, redirectBase: Self.redirectBase, allowedRedirects: [URL(string: "https://app.example")!],
            requestsPerIP: requestsPerIP)
        return settings
    }

    /// `POST /v1/auth/oauth/<provider>/authorize`.
    func authorize(_ provider: String = "acme", _ body: String = "{}", token: String? = nil) async throws -> JSONClient.Reply {
        try await self.client.post("/v1/auth/oauth/\(provider)/authorize", body, token: token)
    }

    /// The user `sub` approves at the OIDC provider: the provider's redirect to our callback.
    func approve(_ authorizationURL: String, as sub: String) async throws -> String {
        let reply = try await OAuthHTTP.send(.POST, authorizationURL, body: "sub=\(sub)")
        guard reply.status == 302, let location = reply.headers.first(name: "Location") else {
            throw ProviderDidNotRedirect(reply: reply.text)
        }
        return location
    }

    /// Replays the provider's redirect against the running service, as the browser (`json`
    /// false) or as an app asking for JSON.
    func followCallback(_ location: String, json: Bool = true, token: String? = nil) async throws -> OAuthReply {
        let url = location.replacingOccurrences(of: Self.redirectBase.absoluteString, with: self.client.baseURL)
        var headers = [("Accept", json ? "application/json" : "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return try await OAuthHTTP.send(.GET, url, headers: headers)
    }

    /// A whole OIDC sign-in as `sub` with `claims`, answered as JSON.
    func oidcSignIn(_ peer: OAuthPeer, sub: String, claims: String, body: String = "{}", token: String? = nil) async throws -> OAuthReply {
        try await peer.setUser(sub, claims: claims)
        let started = try await self.authorize("acme", body, token: token)
        guard let url = started.string("authorization_url") else { throw ProviderDidNotRedirect(reply: started.text) }
        return try await self.followCallback(try await self.approve(url, as: sub), token: token)
    }

    /// The subject (user id) of an access token, unverified: the tests only read whom it names.
    static func subject(ofAccessToken token: String?) -> String? {
        guard let token, let segment = token.split(separator: ".").dropFirst().first else { return nil }
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let value = try? JSONDecoder().decode(JSONValue.self, from: data),
            case .string(let sub)? = value["sub"]
        else { return nil }
        return sub
    }
}

/// A reply read without following redirects.
struct OAuthReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var text: String

    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(self.text.utf8))) ?? .null }

    func string(_ key: String) -> String? {
        if case .string(let value)? = self.json[key] { return value }
        return nil
    }

    var location: String { self.headers.first(name: "Location") ?? "" }
}

struct ProviderDidNotRedirect: Error {
    var reply: String
}
