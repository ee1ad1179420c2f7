import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Issue 18: docs/authorization-matrix.txt run against the five real processes. Each caller of the
/// matrix signs in, the owners' fixtures are made through the API, and every row's operation is
/// sent by every caller with its path filled from the fixtures and a plain body from the document;
/// the answers are compared with the row and every difference is reported in one table.
///
/// Order, so that no caller's request takes away what another's needs: first the callers who own
/// nothing (anonymous, other user, sponsor, service), then the owner on the fixtures and, at the
/// same time, the admin on a second set of the same fixtures with owners of its own (staff may
/// suspend or delete). Each caller sends deletions after everything else, and auth's routes
/// (sign-out, password, sessions) last and one at a time, signing in again if one ended its session.
@Suite(.serialized) struct AuthorizationMatrixTests {
    typealias Principal = AuthorizationMatrix.Principal

    /// Generous rate limits: the run sends a few thousand requests from one address, and a 429
    /// would hide the answer the matrix is about.
    static let environment: [String: String] = [
        "RATE_LIMIT_OZ_CHECK_PER_MIN_PER_IP": "10000", "RATE_LIMIT_OAUTH_PER_5MIN_PER_IP": "10000",
        "RATE_LIMIT_EMAIL_PER_HOUR_PER_IP": "10000", "RATE_LIMIT_EMAIL_PER_ADDRESS_SECONDS": "1",
        "RATE_LIMIT_REFRESH_PER_5MIN_PER_IP": "10000", "RATE_LIMIT_VERIFY_PER_5MIN_PER_IP": "10000",
        "RATE_LIMIT_CODE_ATTEMPTS_PER_DAY_PER_ADDRESS": "10000", "RATE_LIMIT_SIGNIN_PER_5MIN_PER_IP": "10000",
        "RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP": "10000", "RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_USER": "10000",
        "RATE_LIMIT_PASSWORD_CHANGE_PER_HOUR_PER_IP": "10000", "RATE_LIMIT_ANALYTICS_PER_MIN_PER_IP": "10000",
        "RATE_LIMIT_TEAM_REQUESTS_PER_HOUR_PER_IP": "10000", "RATE_LIMIT_TEAM_REQUESTS_PER_DAY_PER_REQUESTER": "10000",
        "RATE_LIMIT_EVENT_REGISTRATIONS_PER_HOUR": "10000", "RATE_LIMIT_API_TOKEN_PER_MINUTE": "10000",
        "RATE_LIMIT_EVENTS_PER_DAY": "10000", "RATE_LIMIT_CAMPAIGN_TEST_SENDS_PER_HOUR": "10000",
        "RATE_LIMIT_MFA_PER_5MIN_PER_IP": "10000", "RATE_LIMIT_MFA_PER_5MIN_PER_USER": "10000",
        "RATE_LIMIT_DATA_EXPORT_PER_DAY_PER_USER": "1000", "RATE_LIMIT_WEBHOOK_CALLS_PER_HOUR": "10000",
        "RATE_LIMIT_PASSKEY_PER_5MIN_PER_IP": "10000",
    ]
    /// Requests in flight at once per caller.
    static let width = 6

    /// A signed-in person the run may need to sign in again.
    final class Session: @unchecked Sendable {
        let account: InvestorMailJourneyTests.Account
        private let lock = NSLock()
        private var current: String

        init(_ account: InvestorMailJourneyTests.Account) {
            self.account = account
            self.current = account.token
        }

        var token: String { self.lock.withLock { self.current } }

        /// Signs in again when the token no longer opens the caller's own profile.
        func renewIfEnded(_ suite: RunningSuite) async throws {
            let probe = try await SystemClient.send(.GET, "\(suite.auth)/v1/auth/me", token: self.token)
            guard probe.status == 401 else { return }
            let fresh = try #require(try await SystemClient.signIn(suite, self.account.email, self.account.password).string("access_token"))
            self.lock.withLock { self.current = fresh }
        }
    }

    /// One caller's run: who, with which tokens, on which fixtures.
    struct Caller: Sendable {
        var principal: Principal
        /// nil for anonymous and service callers.
        var session: Session?
        /// The owners' sessions, for `owner` (the investor's or the sponsor's, by the path).
        var investor: Session?
        var sponsor: Session?
        var fixtures: AuthorizationFixtures
        var serviceTokens: [ServiceName: String]

        func token(for row: AuthorizationMatrix.Row, holder: AuthorizationFixtures.Holder?) -> String? {
            switch self.principal {
            case .anonymous: nil
            case .service: self.serviceTokens[row.peer]
            case .owner: (holder == .sponsor ? self.sponsor : self.investor)?.token
            default: self.session?.token
            }
        }

        /// Sessions this caller's requests might end.
        var sessions: [Session] { [self.session, self.investor, self.sponsor].compactMap { $0 } }
    }

    struct Outcome: Sendable {
        var row: AuthorizationMatrix.Row
        var principal: Principal
        var request: String
        var status: Int
    }

    static func serviceToken(_ suite: RunningSuite, _ service: ServiceName) async throws -> String {
        var request = HTTPClientRequest(url: "\(suite.auth)/v1/auth/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(
            ByteBuffer(
                string: "grant_type=client_credentials&client_id=\(service.rawValue)&client_secret=\(service.rawValue)-journey-secret-0123456789")
        )
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        try #require(response.status == .ok, "client credentials for \(service): \(text)")
        return try #require(SystemClient.Reply(status: 200, text: text).string("access_token"))
    }

    /// Sends one row's operation as `caller`; returns the status (the body is not read: a live
    /// stream would never end).
    static func send(
        _ row: AuthorizationMatrix.Row, as caller: Caller, suite: RunningSuite, documents: [ServiceName: JSONValue]
    ) async throws -> Outcome {
        let document = documents[row.operation.service].map { HostileRequests(document: $0) }
        var path = row.operation.path
        var holder: AuthorizationFixtures.Holder?
        let segments = path.split(separator: "/").map(String.init)
        for (index, segment) in segments.enumerated() where segment.hasPrefix("{") {
            let close = try #require(segment.firstIndex(of: "}"))
            let name = String(segment[segment.index(after: segment.startIndex)..<close])
            let fixture = caller.fixtures.value(path: row.operation.path, segment: index > 0 ? segments[index - 1] : "", parameter: name)
            if let fixture { holder = fixture.holder }
            let value =
                fixture?.id ?? document?.pathSample(row.operation.method, row.operation.path, name)
                ?? UUID().uuidString.lowercased()
            path = path.replacingOccurrences(of: "{\(name)}", with: value)
        }
        let plain = document?.plain(row.operation.method, row.operation.path) ?? (query: "", body: nil)
        if !plain.query.isEmpty { path += "?" + plain.query }
        var request = HTTPClientRequest(url: suite.urls[row.operation.service]! + path)
        request.method = HTTPMethod(rawValue: row.operation.method)
        if let token = caller.token(for: row, holder: holder) { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Idempotency-Key", value: UUID().uuidString)
        if let body = plain.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return Outcome(
            row: row, principal: caller.principal, request: "\(row.operation.method) \(path)\(plain.body.map { " " + $0 } ?? "")",
            status: Int(response.status.code))
    }

    /// Every row as `caller`: the rest in parallel, then what ends a fixture, then auth's routes one at a time.
    static func run(
        _ rows: [AuthorizationMatrix.Row], as caller: Caller, suite: RunningSuite, documents: [ServiceName: JSONValue]
    ) async throws -> [Outcome] {
        func isAuth(_ row: AuthorizationMatrix.Row) -> Bool { row.operation.path.hasPrefix("/v1/auth/") }
        // What ends a fixture for its owner (deleting it, leaving a conversation, cancelling) goes last.
        func ends(_ row: AuthorizationMatrix.Row) -> Bool {
            row.operation.method == "DELETE" || ["/leave", "/cancel"].contains { row.operation.path.hasSuffix($0) }
        }
        let phases = [rows.filter { !isAuth($0) && !ends($0) }, rows.filter { !isAuth($0) && ends($0) }]
        var outcomes: [Outcome] = []
        for phase in phases {
            outcomes += try await withThrowingTaskGroup(of: Outcome.self) { group in
                var found: [Outcome] = []
                var pending = phase[...]
                for _ in 0..<Self.width {
                    guard let row = pending.popFirst() else { break }
                    group.addTask { try await Self.send(row, as: caller, suite: suite, documents: documents) }
                }
                while let outcome = try await group.next() {
                    found.append(outcome)
                    if let row = pending.popFirst() {
                        group.addTask { try await Self.send(row, as: caller, suite: suite, documents: documents) }
                    }
                }
                return found
            }
        }
        for row in rows.filter(isAuth).sorted(by: { ($0.operation.method == "DELETE" ? 1 : 0) < ($1.operation.method == "DELETE" ? 1 : 0) }) {
            outcomes.append(try await Self.send(row, as: caller, suite: suite, documents: documents))
            for session in caller.sessions { try await session.renewIfEnded(suite) }
        }
        return outcomes
    }

    static func account(_ suite: RunningSuite, _ name: String, role: String?) async throws -> Session {
        let tag = UUID().uuidString.prefix(6).lowercased()
        let email = "\(name).\(tag)@example.com"
        var account = try await InvestorMailJourneyTests.verifiedAccount(suite, email: email, firstName: name.capitalized)
        if let role {
            try await suite.sql("UPDATE auth.users SET account_role = '\(role)' WHERE email = '\(email)'")
            account.token = try #require(try await SystemClient.signIn(suite, email, account.password).string("access_token"))
        }
        return Session(account)
    }

    @Test func everyCallerGetsWhatTheMatrixSaysOnEveryOperation() async throws {
        let matrix = try AuthorizationMatrix.load()
        try #require(matrix.problems.isEmpty, "\(matrix.problems)")
        let services: [ServiceName] = [.auth, .properties, .investments, .communications, .analytics]
        try await RunningSuite.with(services, environment: Self.environment) { suite in
            let started = ContinuousClock.now
            var read: [ServiceName: JSONValue] = [:]
            for service in services {
                let text = try await SystemClient.send(.GET, "\(suite.urls[service]!)/openapi.json").text
                read[service] = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            }
            let documents = read
            let other = try await Self.account(suite, "other", role: nil)
            let sponsor = try await Self.account(suite, "sponsor", role: "sponsor")
            let admin = try await Self.account(suite, "admin", role: "admin")
            let investor = try await Self.account(suite, "owner", role: nil)
            let listingSponsor = try await Self.account(suite, "lister", role: "sponsor")
            let investorB = try await Self.account(suite, "ownerb", role: nil)
            let listingSponsorB = try await Self.account(suite, "listerb", role: "sponsor")
            let fixtures = try await AuthorizationFixtures.make(suite, investor: investor.account, sponsor: listingSponsor.account)
            let fixturesB = try await AuthorizationFixtures.make(suite, investor: investorB.account, sponsor: listingSponsorB.account)
            var serviceTokens: [ServiceName: String] = [:]
            for service in services { serviceTokens[service] = try await Self.serviceToken(suite, service) }
            let prepared = ContinuousClock.now

            func caller(_ principal: Principal, _ session: Session?, _ set: AuthorizationFixtures) -> Caller {
                Caller(
                    principal: principal, session: session, investor: principal == .owner ? investor : nil,
                    sponsor: principal == .owner ? listingSponsor : nil, fixtures: set, serviceTokens: serviceTokens)
            }
            let rounds: [[Caller]] = [
                [
                    caller(.anonymous, nil, fixtures), caller(.other, other, fixtures), caller(.sponsor, sponsor, fixtures),
                    caller(.service, nil, fixtures),
                ],
                [caller(.owner, nil, fixtures), caller(.admin, admin, fixturesB)],
            ]
            var outcomes: [Outcome] = []
            for round in rounds {
                outcomes += try await withThrowingTaskGroup(of: [Outcome].self) { group in
                    for caller in round {
                        group.addTask { try await Self.run(matrix.rows, as: caller, suite: suite, documents: documents) }
                    }
                    var all: [Outcome] = []
                    for try await found in group { all += found }
                    return all
                }
            }
            let mismatches = outcomes.filter { outcome in
                outcome.status >= 500 || outcome.row.expected[outcome.principal]?.admits(outcome.status) != true
            }.sorted { ($0.row.operation, $0.principal.rawValue) < ($1.row.operation, $1.principal.rawValue) }
            print(
                "authorization matrix: \(outcomes.count) requests, \(mismatches.count) differ; fixtures \(prepared - started), requests \(ContinuousClock.now - prepared)"
            )
            #expect(outcomes.count == matrix.rows.count * Principal.allCases.count)
            let table = mismatches.map { outcome in
                let expected = outcome.row.expected[outcome.principal].map(String.init(describing:)) ?? "?"
                return
                    "line \(outcome.row.line)\t\(outcome.row.operation)\t\(outcome.principal.rawValue)\texpected \(expected)\tgot \(outcome.status)\t\(outcome.request.prefix(160))"
            }
            #expect(mismatches.count == 0, "\(mismatches.count) answers differ from docs/authorization-matrix.txt:\n\(table.joined(separator: "\n"))")
        }
    }
}
