import AsyncHTTPClient
import Foundation
import Models
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Issue 18, "Replicas on one machine": three processes of a service behave as one. Each request
/// here names the replica it goes to (request i to replica i mod 3), so what one replica admits or
/// refuses depends on what the others did — which holds only if the state is in Postgres.
@Suite struct ReplicaBehaviourTests {
    static let replicas = 3

    /// `request` sent to replica `index % replicas` of `service`.
    static func url(_ suite: RunningSuite, _ service: ServiceName, _ index: Int, _ path: String) -> String {
        let replicas = suite.replicaURLs[service]!
        return replicas[index % replicas.count] + path
    }

    /// Signs up `email` on `replica` and marks it verified, as the mailed link would.
    static func verifiedAccount(_ suite: RunningSuite, _ email: String, _ password: String, replica: Int) async throws {
        let signUp = try await SystemClient.send(
            .POST, Self.url(suite, .auth, replica, "/v1/auth/signup"), #"{"email":"\#(email)","password":"\#(password)"}"#)
        try #require(signUp.status == 202, "sign-up of \(email): \(signUp.status) \(signUp.text)")
        try await suite.sql("UPDATE auth.users SET email_verified_at = now() WHERE email = '\(email)'")
    }

    static func signIn(_ suite: RunningSuite, _ email: String, _ password: String, replica: Int) async throws -> SystemClient.Reply {
        try await SystemClient.send(
            .POST, Self.url(suite, .auth, replica, "/v1/auth/token"),
            #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#)
    }

    /// Rate limits (sign-ups per IP), the sign-in lockout and refresh-token rotation, each exercised
    /// across three auth replicas: the counts are shared, and a rotated token is known to all.
    @Test func limitsLockoutAndRefreshRotationAreSharedByEveryReplica() async throws {
        let environment = [
            "RATE_LIMIT_SIGNUP_PER_HOUR_PER_IP": "6",
            "LOCKOUT_THRESHOLD": "4",
            // No grace: a second presentation of a rotated token is reuse at once.
            "REFRESH_REUSE_GRACE_SECONDS": "0",
        ]
        try await RunningSuite.with([.auth], environment: environment, replicas: Self.replicas) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let password = "a replica journey passphrase"
            let locked = "locked.\(tag)@example.com"
            let rotating = "rotating.\(tag)@example.com"
            // Two accounts this test uses (replicas 0 and 1), then seven more sign-ups, one after
            // the other around the replicas: six in all are admitted per hour from one IP.
            try await Self.verifiedAccount(suite, locked, password, replica: 0)
            try await Self.verifiedAccount(suite, rotating, password, replica: 1)
            var statuses: [Int] = []
            for index in 2..<9 {
                let reply = try await SystemClient.send(
                    .POST, Self.url(suite, .auth, index, "/v1/auth/signup"),
                    #"{"email":"crowd\#(index).\#(tag)@example.com","password":"\#(password)"}"#)
                statuses.append(reply.status)
                if reply.status == 429 {
                    #expect(reply.headers["Content-Type"].first == "application/problem+json")
                    #expect(Int(reply.headers["Retry-After"].first ?? "") ?? 0 > 0, "a refusal says when to retry")
                }
            }
            // Replicas 2, 0, 1, 2 admit sign-ups 3 to 6; replicas 0, 1, 2 each refuse the next, though
            // none of them had admitted more than two itself.
            #expect(statuses == [202, 202, 202, 202, 429, 429, 429], "sign-ups around the replicas: \(statuses)")
            #expect(try await suite.count("SELECT count(*) FROM auth.users WHERE email LIKE '%.\(tag)@example.com'") == 6)

            // Lockout: four wrong passwords spread over the replicas are checked; the fifth and
            // later, whichever replica gets them, wait — and then even the right password does.
            var guesses: [Int] = []
            for index in 0..<7 {
                guesses.append(try await Self.signIn(suite, locked, "not the password at all", replica: index).status)
            }
            #expect(guesses == [400, 400, 400, 400, 429, 429, 429], "wrong passwords around the replicas: \(guesses)")
            for replica in 0..<Self.replicas {
                let right = try await Self.signIn(suite, locked, password, replica: replica)
                #expect(right.status == 429, "replica \(replica) keeps the account waiting: \(right.status) \(right.text)")
            }

            // Refresh rotation: signed in on replica 0, refreshed on replica 1; the old token shown
            // to replica 2 is reuse, which ends the session — its newest token fails on replica 0.
            let signedIn = try await Self.signIn(suite, rotating, password, replica: 0)
            #expect(signedIn.status == 200, "\(signedIn.text)")
            let first = try #require(signedIn.string("refresh_token"))
            func refresh(_ token: String, replica: Int) async throws -> SystemClient.Reply {
                try await SystemClient.send(
                    .POST, Self.url(suite, .auth, replica, "/v1/auth/token"), #"{"grant_type":"refresh_token","refresh_token":"\#(token)"}"#)
            }
            let rotated = try await refresh(first, replica: 1)
            #expect(rotated.status == 200, "\(rotated.text)")
            let second = try #require(rotated.string("refresh_token"))
            #expect(second != first)
            let reused = try await refresh(first, replica: 2)
            #expect(reused.status == 400 && reused.text.contains("problems/invalid-grant"), "reuse on replica 2: \(reused.status) \(reused.text)")
            let afterReuse = try await refresh(second, replica: 0)
            #expect(afterReuse.status == 400, "the session ended on every replica: \(afterReuse.status) \(afterReuse.text)")
            #expect(
                try await suite.count(
                    "SELECT count(*) FROM auth.sessions s JOIN auth.users u ON u.id = s.user_id WHERE u.email = '\(rotating)' AND s.revoked_at IS NOT NULL"
                ) == 1)
        }
    }

    /// Three auth and three communications replicas started at once on an empty database: each
    /// schema is migrated once; N sign-ups spread over auth's replicas give N `email.requested`
    /// events, each delivered once by some auth replica's dispatcher and applied once by some
    /// communications replica (counted at both ends, and in the mail that arrives); and a
    /// notification caused through communications' third replica reaches a stream open on its first.
    @Test func migrationsEventsMailAndLiveNotificationsHappenOnceAcrossReplicas() async throws {
        try await RunningSuite.with([.auth, .communications], replicas: Self.replicas) { suite in
            // Every replica became ready (RunningSuite waits for each); every migration file is
            // recorded once, and a second apply would have failed a replica's start.
            for (service, directory) in [(ServiceName.auth, "Auth"), (.communications, "Communications")] {
                let files =
                    try Self.migrationFiles("Services/\(directory)/Library/Resources/Migrations")
                    + Self.migrationFiles("Shared/ServiceKit/Resources/Migrations")
                let recorded = try await suite.count("SELECT count(*) FROM \(service.rawValue).schema_migrations")
                #expect(recorded == files, "\(service): \(recorded) migrations recorded, \(files) files")
            }

            let tag = UUID().uuidString.prefix(6).lowercased()
            let count = 12
            let addresses = (0..<count).map { "replica\($0).\(tag)@example.com" }
            for (index, address) in addresses.enumerated() {
                let reply = try await SystemClient.send(
                    .POST, Self.url(suite, .auth, index, "/v1/auth/signup"), #"{"email":"\#(address)","password":"a replica journey passphrase"}"#)
                #expect(reply.status == 202, "\(address): \(reply.status) \(reply.text)")
            }
            let mailed = try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                let received = (try? suite.sink.messages()) ?? []
                return Set(addresses).isSubset(of: Set(received.flatMap(\.rcptTos)))
            }
            #expect(mailed, "every sign-up's confirmation arrived")
            // Let any duplicate delivery land before counting.
            try await Task.sleep(for: .seconds(2))
            let received = try suite.sink.messages().flatMap(\.rcptTos).filter { addresses.contains($0) }
            #expect(received.count == count, "one mail per sign-up: \(received.count) for \(count)")
            let delivered = try await suite.count(
                "SELECT count(*) FROM auth.outbox WHERE event_type = 'email.requested' AND subscriber = 'communications' AND delivered_at IS NOT NULL"
            )
            let written = try await suite.count("SELECT count(*) FROM auth.outbox WHERE event_type = 'email.requested'")
            let applied = try await suite.count("SELECT count(*) FROM communications.inbox WHERE event_type = 'email.requested' AND source = 'auth'")
            #expect(written == count && delivered == count && applied == count, "outbox \(written) written, \(delivered) delivered; inbox \(applied)")

            // Live: Bea's stream is open on replica 0; Al asks to connect through replica 2.
            let password = "a live replica passphrase"
            let al = "al.\(tag)@example.com"
            let bea = "bea.\(tag)@example.com"
            try await Self.verifiedAccount(suite, al, password, replica: 1)
            try await Self.verifiedAccount(suite, bea, password, replica: 2)
            let alToken = try #require(try await Self.signIn(suite, al, password, replica: 0).string("access_token"))
            let beaToken = try #require(try await Self.signIn(suite, bea, password, replica: 1).string("access_token"))
            let beaID = try #require(try await SystemClient.send(.GET, Self.url(suite, .auth, 2, "/v1/auth/me"), token: beaToken).string("id"))
            let stream = try await StreamReader.open(Self.url(suite, .communications, 0, "/v1/communications/stream"), token: beaToken)
            defer { stream.close() }
            #expect(stream.status == 200, "the stream opens on replica 0")
            let asked = try await SystemClient.send(
                .POST, Self.url(suite, .communications, 2, "/v1/communications/connections"), #"{"user_id":"\#(beaID)"}"#, token: alToken)
            #expect(asked.status == 201, "\(asked.status) \(asked.text)")
            let arrived = try await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
                stream.text.contains("New connection request")
            }
            #expect(arrived, "the request made through replica 2 reached the stream on replica 0; it read: \(stream.text.suffix(500))")
        }
    }

    /// A scheduled job on three replicas: investments' compliance sweep runs every second on each,
    /// and the sponsor still gets one alert mail (the alert is recorded with its event, and a
    /// second replica's insert of the same alert does nothing).
    @Test func aSweepRunningOnEveryReplicaAlertsOnce() async throws {
        try await ComplianceAlertJourneyTests.atRiskWindowReachesTheSponsor(replicas: Self.replicas)
    }

    static func migrationFiles(_ folder: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: RepositoryScripts.root.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(".sql") }.count
    }
}

/// Reads a Server-Sent Events stream as it arrives and keeps the text, so a test can wait for an event.
final class StreamReader: Sendable {
    let status: Int
    private let received = NIOLockedValueBox("")
    private let reading = NIOLockedValueBox<Task<Void, Never>?>(nil)

    private init(status: Int) { self.status = status }

    static func open(_ url: String, token: String) async throws -> StreamReader {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let reader = StreamReader(status: Int(response.status.code))
        let received = reader.received
        let body = response.body
        reader.reading.withLockedValue {
            $0 = Task {
                do {
                    for try await buffer in body { received.withLockedValue { $0 += String(buffer: buffer) } }
                } catch {}
            }
        }
        return reader
    }

    var text: String { self.received.withLockedValue { $0 } }

    func close() { self.reading.withLockedValue { $0?.cancel() } }
}
