import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import ServiceKit
import Testing
import TestSupport

/// What a new investor does on the first day, across real processes: auth, communications and
/// properties as `make run` starts them, mail delivered over SMTP to a real server (the sink),
/// tokens verified by the other services through auth's JWKS.
@Suite(.serialized) struct SignInJourneyTests {
    struct RunningSuite {
        let auth: String
        let communications: String
        let properties: String
        let sink: MailSink
    }

    @Test func signUpVerifySignInRefreshAndSignOut() async throws {
        try await Self.withSuite { suite in
            let email = "journey.\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let password = "a long journey passphrase"
            let signUp = try await Self.send(.POST, "\(suite.auth)/v1/auth/signup",
                #"{"email":"\#(email)","password":"\#(password)","source":"qualify_as_an_investor"}"#)
            #expect(signUp.status == 202)

            // Not verified yet: sign-in is refused with a reason the app can show.
            let early = try await Self.signIn(suite, email, password)
            #expect(early.status == 403)
            #expect(early.text.contains("email-not-verified"))

            // auth's outbox → communications' inbox → SMTP → the sink.
            let mail = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
            #expect(mail.subject == "Confirm your email for Tract")
            #expect(mail.html?.contains("https://app.tract.test/verify-email?token=") == true)
            let token = try #require(Self.token(in: mail.text ?? ""))
            let verified = try await Self.send(.POST, "\(suite.auth)/v1/auth/verify-email", #"{"token":"\#(token)"}"#)
            #expect(verified.status == 200)

            let signedIn = try await Self.signIn(suite, email, password)
            #expect(signedIn.status == 200)
            let access = try #require(signedIn.string("access_token"))
            let refresh = try #require(signedIn.string("refresh_token"))

            // Another service checks the token against auth's JWKS: known but not a service → 403;
            // a tampered one → 401.
            let forbidden = try await Self.send(.POST, "\(suite.communications)/internal/v1/emails", "{}", token: access)
            #expect(forbidden.status == 403)
            let accepted = try await Self.send(.GET, "\(suite.properties)/v1/properties/nothing", token: access)
            #expect(accepted.status == 404)
            let tampered = try await Self.send(.GET, "\(suite.properties)/v1/properties/nothing", token: access + "x")
            #expect(tampered.status == 401)
            let me = try await Self.send(.GET, "\(suite.auth)/v1/auth/me", token: access)
            #expect(me.string("email") == email)
            #expect(me.string("current_role") == "investor")

            let refreshed = try await Self.send(.POST, "\(suite.auth)/v1/auth/token",
                #"{"grant_type":"refresh_token","refresh_token":"\#(refresh)"}"#)
            #expect(refreshed.status == 200)
            let newAccess = try #require(refreshed.string("access_token"))
            let newRefresh = try #require(refreshed.string("refresh_token"))
            #expect(newRefresh != refresh)

            let loggedOut = try await Self.send(.POST, "\(suite.auth)/v1/auth/logout", token: newAccess)
            #expect(loggedOut.status == 204)
            let afterLogout = try await Self.send(.POST, "\(suite.auth)/v1/auth/token",
                #"{"grant_type":"refresh_token","refresh_token":"\#(newRefresh)"}"#)
            // OAuth's invalid_grant (RFC 6749 §5.2): 400, saying why.
            #expect(afterLogout.status == 400)
            #expect(afterLogout.text.contains("problems/invalid-grant"))
            #expect(try suite.sink.messages().filter { $0.rcptTos == [email] }.count == 1)
        }
    }

    @Test func aMagicLinkCreatesTheAccountAndScannersDoNotSpendIt() async throws {
        try await Self.withSuite { suite in
            let email = "magic.\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let request = try await Self.send(.POST, "\(suite.auth)/v1/auth/magic-links",
                #"{"email":"\#(email)","source":"check_if_your_development_is_in_an_oz"}"#)
            #expect(request.status == 202)
            let mail = try await suite.sink.waitForMessage(to: email, timeout: .seconds(30))
            #expect(mail.text?.contains("https://app.tract.test/magic-link?token=") == true)
            let token = try #require(Self.token(in: mail.text ?? ""))

            // A mail scanner opening the link twice consumes nothing: GET is only the confirm step.
            for _ in 0..<2 {
                let confirm = try await Self.send(.GET, "\(suite.auth)/v1/auth/magic-links/\(token)")
                #expect(confirm.status == 200)
                #expect(confirm.string("email") == email)
            }
            let signedIn = try await Self.send(.POST, "\(suite.auth)/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#)
            #expect(signedIn.status == 200)
            let access = try #require(signedIn.string("access_token"))
            let me = try await Self.send(.GET, "\(suite.auth)/v1/auth/me", token: access)
            #expect(me.string("email") == email)
            #expect(me.string("first_auth_source") == "check_if_your_development_is_in_an_oz")
            #expect(try await Self.send(.POST, "\(suite.auth)/v1/auth/magic-links/verify", #"{"token":"\#(token)"}"#).status == 400)

            // Another mail to the same address within a minute is refused (GoTrue's default limit).
            let tooSoon = try await Self.send(.POST, "\(suite.auth)/v1/auth/magic-links", #"{"email":"\#(email)"}"#)
            #expect(tooSoon.status == 429)
            #expect(try suite.sink.messages().filter { $0.rcptTos == [email] }.count == 1)
        }
    }

    // MARK: - The suite as processes

    static func withSuite(_ body: @Sendable (RunningSuite) async throws -> Void) async throws {
        let sink = try MailSink()
        try await TestDatabase.with(services: [.auth, .communications, .properties]) { database in
            let services: [ServiceName] = [.auth, .communications, .properties]
            var ports: [ServiceName: Int] = [:]
            for service in services { ports[service] = try await freePort() }
            let secrets = Dictionary(uniqueKeysWithValues: services.map { ($0, "\($0.rawValue)-journey-secret-0123456789") })
            let auth = "http://127.0.0.1:\(ports[.auth]!)"
            var processes: [ServiceProcess] = []
            defer { for process in processes where process.process.isRunning { process.process.terminate() } }
            for service in services {
                var environment = [
                    "PORT": String(ports[service]!),
                    "DATABASE_URL": SuiteBootTests.urlString(database.url(for: service)),
                    "AUTH_JWKS_URL": "\(auth)/.well-known/jwks.json",
                    "AUTH_TOKEN_URL": "\(auth)/v1/auth/token",
                    "SERVICE_CLIENT_SECRET": secrets[service]!,
                    "OUTBOX_POLL_INTERVAL_MS": "50",
                    "OUTBOX_RETRY_BASE_MS": "100",
                    "LOG_LEVEL": "warning",
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    // auth
                    "SIGNING_KEY_ENCRYPTION_KEY": Data(repeating: 5, count: 32).base64EncodedString(),
                    "SERVICE_CLIENTS": services.map { "\($0.rawValue):\(secrets[$0]!)" }.joined(separator: ","),
                    "PUBLIC_URL": "https://app.tract.test",
                    // communications
                    "SMTP_PORT": String(sink.port),
                    "MAIL_FROM": "Tract <no-reply@tract.test>",
                ]
                for peer in services { environment["\(peer.rawValue.uppercased())_URL"] = "http://127.0.0.1:\(ports[peer]!)" }
                let process = ServiceProcess(service, port: ports[service]!, environment: environment)
                try process.start()
                processes.append(process)
            }
            for process in processes {
                let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(100)) {
                    (try? await Self.send(.GET, "http://127.0.0.1:\(process.port)/health/ready"))?.status == 200
                }
                try #require(ready, "\(process.service) became ready")
            }
            try await body(RunningSuite(
                auth: auth,
                communications: "http://127.0.0.1:\(ports[.communications]!)",
                properties: "http://127.0.0.1:\(ports[.properties]!)",
                sink: sink
            ))
            for process in processes { #expect(await process.terminate() == 0, "\(process.service) exits 0") }
        }
    }

    struct Reply {
        var status: Int
        var text: String
        func string(_ key: String) -> String? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
            return object[key] as? String
        }
    }

    static func send(_ method: HTTPMethod, _ url: String, _ json: String? = nil, token: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Reply(status: Int(response.status.code), text: String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    static func signIn(_ suite: RunningSuite, _ email: String, _ password: String) async throws -> Reply {
        try await send(.POST, "\(suite.auth)/v1/auth/token",
            #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#)
    }

    static func token(in text: String) -> String? {
        guard let range = text.range(of: #"token=[A-Za-z0-9_\-]+"#, options: .regularExpression) else { return nil }
        return String(text[range].dropFirst("token=".count))
    }
}
