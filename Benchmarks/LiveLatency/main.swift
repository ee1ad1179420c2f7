import AsyncHTTPClient
import CommunicationsService
import Foundation
import Hummingbird
import JWTKit
import Logging
import Models
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceKit
import Synchronization

// `make bench` (scripts/bench.sh, BENCH_ONLY=live): live-delivery latency of
// GET /v1/communications/stream with BENCH_LIVE_CONNECTIONS open SSE connections spread over
// BENCH_LIVE_USERS users. Items are appended with the service's own `LiveFeed` at a steady
// BENCH_LIVE_RATE per second for BENCH_SECONDS (each to one user, so to that user's streams), then a
// few fan-outs to every user at once. Latency is from just before the append's COMMIT is sent to the
// moment a client has parsed the event. Baselines in the same run: the same append followed by a
// plain poll of the feed table from another connection (commit → row read), and GET /health/live
// round trips while the streams are open.
// Env: COMMUNICATIONS_URL (the running service, trusting this process's JWKS), BENCH_DATABASE_URL
// (its database, as the communications role), BENCH_JWKS_PORT (18190), BENCH_LIVE_CONNECTIONS (1000),
// BENCH_LIVE_USERS (250), BENCH_LIVE_RATE (100), BENCH_SECONDS (10).

let environment = ProcessInfo.processInfo.environment
let serviceURL = environment["COMMUNICATIONS_URL"] ?? "http://127.0.0.1:18184"
let databaseURL = try DatabaseURL(
    parsing: environment["BENCH_DATABASE_URL"] ?? "postgres://tract_communications:tract_communications_local@127.0.0.1:55432/tract_bench",
    variable: "BENCH_DATABASE_URL")
let jwksPort = Int(environment["BENCH_JWKS_PORT"] ?? "18190") ?? 18190
let connectionCount = Int(environment["BENCH_LIVE_CONNECTIONS"] ?? "1000") ?? 1000
let userCount = Int(environment["BENCH_LIVE_USERS"] ?? "250") ?? 250
let rate = Double(environment["BENCH_LIVE_RATE"] ?? "100") ?? 100
let seconds = Double(environment["BENCH_SECONDS"] ?? "10") ?? 10
let fanOuts = 5
let logger = Logger(label: "live-bench")

struct BenchError: Error, CustomStringConvertible { var description: String }

// MARK: tokens: this process stands in for auth's JWKS, as the tests' issuer does

let signingKey = try EdDSA.PrivateKey()
let keys = JWTKeyCollection()
await keys.add(eddsa: signingKey, kid: "bench-1")
let jwks: String = {
    let x = signingKey.publicKey.rawRepresentation.base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    return #"{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"bench-1","x":"\#(x)"}]}"#
}()
let jwksRouter = Router()
jwksRouter.get(".well-known/jwks.json") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: jwks)))
}
let jwksServer = Application(router: jwksRouter, configuration: .init(address: .hostname("127.0.0.1", port: jwksPort)), logger: logger)
let jwksTask = Task { try await jwksServer.runService(gracefulShutdownSignals: []) }

func token(for user: UUID) async throws -> String {
    let now = Date()
    let claims = AccessTokenClaims(
        subject: user.uuidString.lowercased(), sessionID: UUID().uuidString.lowercased(), roles: ["investor"], scopes: [Scope.user],
        audience: ["tract"], issuer: "tract-auth", issuedAt: now, expiresAt: now.addingTimeInterval(3600)
    )
    return try await keys.sign(claims, kid: "bench-1")
}

// MARK: what the clients saw

/// Receipts of item `n` (one per stream it reached), and when each item's COMMIT was sent.
final class Ledger: Sendable {
    private let state = Mutex((sent: [Int: ContinuousClock.Instant](), received: [(Int, ContinuousClock.Instant)](), ready: 0))
    func sent(_ n: Int, at instant: ContinuousClock.Instant) { self.state.withLock { $0.sent[n] = instant } }
    func received(_ n: Int) {
        let now = ContinuousClock.now
        self.state.withLock { $0.received.append((n, now)) }
    }
    func opened() { self.state.withLock { $0.ready += 1 } }
    var readyCount: Int { self.state.withLock { $0.ready } }
    var receivedCount: Int { self.state.withLock { $0.received.count } }
    /// Milliseconds from commit to receipt for items numbered in `range`.
    func latencies(_ range: Range<Int>) -> [Double] {
        self.state.withLock { state in
            state.received.compactMap { n, at in
                guard range.contains(n), let sent = state.sent[n] else { return nil }
                return max(0, (at - sent).inMilliseconds)
            }
        }
    }
}

extension Duration {
    var inMilliseconds: Double { Double(self.components.seconds) * 1000 + Double(self.components.attoseconds) / 1e15 }
}

let ledger = Ledger()
var httpConfiguration = HTTPClient.Configuration()
httpConfiguration.connectionPool = .init(idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: connectionCount + 16)
let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)

/// One SSE client: counts `bench` events by their number until cancelled.
func stream(as user: UUID) async throws {
    var request = HTTPClientRequest(url: serviceURL + "/v1/communications/stream")
    request.headers.add(name: "Authorization", value: "Bearer \(try await token(for: user))")
    let response = try await http.execute(request, timeout: .seconds(3600))
    guard response.status == .ok else {
        throw BenchError(description: "stream answered \(response.status.code): \(String(buffer: try await response.body.collect(upTo: 1 << 16)))")
    }
    var pending = ""
    var benchEvent = false
    for try await buffer in response.body {
        pending += String(buffer: buffer)
        while let newline = pending.firstIndex(of: "\n") {
            let line = pending[..<newline]
            if line == "event: ready" {
                ledger.opened()
            } else if line.hasPrefix("event: ") {
                benchEvent = line == "event: bench"
            } else if benchEvent, line.hasPrefix("data: {\"n\": "), let n = Int(line.dropFirst(12).prefix { $0.isNumber }) {
                ledger.received(n)
                benchEvent = false
            }
            pending.removeSubrange(...newline)
        }
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func row(_ name: String, _ values: [Double], expected: Int? = nil) {
    let sorted = values.sorted()
    let count = expected.map { "\(sorted.count)/\($0)" } ?? "\(sorted.count)"
    print(
        name.padding(toLength: 52, withPad: " ", startingAt: 0) + count.padding(toLength: 12, withPad: " ", startingAt: 0)
            + String(format: "%9.2f %9.2f %9.2f", percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.last ?? .nan)
    )
}

let users = (0..<userCount).map { _ in UUID() }
let postgres = PostgresClient(configuration: try databaseURL.clientConfiguration, backgroundLogger: logger)
let postgresTask = Task { await postgres.run() }

/// The service's append in a transaction of its own; returns when COMMIT was sent.
func append(_ n: Int, to recipients: [UUID], kind: String = "bench") async throws -> ContinuousClock.Instant {
    try await postgres.withConnection { connection in
        try await connection.query("BEGIN", logger: logger)
        let item = LiveItem(kind: kind, id: UUID(), payload: .object(["n": .number(Double(n))]))
        try await LiveFeed().append(item, to: recipients, on: connection, logger: logger)
        let committing = ContinuousClock.now
        try await connection.query("COMMIT", logger: logger)
        return committing
    }
}

try await withThrowingTaskGroup(of: Void.self) { clients in
    // Open the streams, 50 at a time, user i % users for stream i.
    for index in 0..<connectionCount {
        clients.addTask { try await stream(as: users[index % userCount]) }
        if index % 50 == 49 { try await Task.sleep(for: .milliseconds(100)) }
    }
    let deadline = ContinuousClock.now + .seconds(120)
    while ledger.readyCount < connectionCount {
        guard ContinuousClock.now < deadline else { throw BenchError(description: "only \(ledger.readyCount) streams opened") }
        try await Task.sleep(for: .milliseconds(100))
    }
    print(
        "live delivery, \(connectionCount) open SSE connections over \(userCount) users; \(Int(rate)) appends/s for \(Int(seconds)) s, each to one user; then \(fanOuts) fan-outs to every user"
    )
    print(
        "measure".padding(toLength: 52, withPad: " ", startingAt: 0) + "n".padding(toLength: 12, withPad: " ", startingAt: 0)
            + "   p50_ms    p99_ms    max_ms")

    // 1. Steady appends, each to one user (so to that user's streams).
    let steady = Int(rate * seconds)
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { appends in
        for n in 0..<steady {
            try await Task.sleep(until: start + .milliseconds(Int64(Double(n) * 1000 / rate)))
            appends.addTask { ledger.sent(n, at: try await append(n, to: [users[n % userCount]])) }
        }
        try await appends.waitForAll()
    }
    try await Task.sleep(for: .seconds(2))
    let perUser = connectionCount / userCount
    row("SSE delivery, commit → client (steady)", ledger.latencies(0..<steady), expected: steady * perUser)

    // 2. Fan-outs: one append to every user, every stream woken at once.
    for k in 0..<fanOuts {
        ledger.sent(steady + k, at: try await append(steady + k, to: users))
        try await Task.sleep(for: .seconds(1))
    }
    try await Task.sleep(for: .seconds(1))
    row("SSE delivery, commit → client (fan-out to all)", ledger.latencies(steady..<(steady + fanOuts)), expected: fanOuts * connectionCount)

    // 3. Baseline: the same append, then a plain poll of the feed table from another connection,
    // started as soon as COMMIT returns: the floor of any polling design (a poll with no interval).
    var polled: [Double] = []
    for n in 0..<200 {
        let user = users[n % userCount]
        let committing = try await append(n, to: [user], kind: "baseline")
        while true {
            let rows = try await postgres.query(
                """
                SELECT count(*) FROM communications.live_items
                WHERE user_id = \(user) AND kind = 'baseline' AND payload = jsonb_build_object('n', \(n))
                """,
                logger: logger
            )
            var found = 0
            for try await count in rows.decode(Int.self) { found = count }
            if found > 0 { break }
        }
        polled.append((ContinuousClock.now - committing).inMilliseconds)
        try await Task.sleep(for: .milliseconds(10))
    }
    row("baseline: same append, commit → row read by a poll", polled)

    var health: [Double] = []
    for _ in 0..<200 {
        let began = ContinuousClock.now
        let response = try await http.execute(HTTPClientRequest(url: serviceURL + "/health/live"), timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        health.append((ContinuousClock.now - began).inMilliseconds)
    }
    row("baseline: GET /health/live round trip", health)
    clients.cancelAll()
}
try await http.shutdown()
postgresTask.cancel()
jwksTask.cancel()
