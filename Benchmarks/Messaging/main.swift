import AsyncHTTPClient
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

// `make bench` (scripts/bench.sh, BENCH_ONLY=messaging): POST /v1/communications/conversations/{id}/messages
// from BENCH_MESSAGING_SENDERS (20) concurrent senders for BENCH_SECONDS each way: all into ONE group
// of BENCH_MESSAGING_MEMBERS (50) — posts there are serialised by the conversation's row lock, which
// is what keeps unread counts exact — and each into a conversation of its own of the same size (the
// lock no longer shared). Every post appends to the other members' live feeds and notifies them.
// Then GET /v1/communications/conversations/unread for a user with 200 conversations of 50 unread
// each. Baseline in the same run: GET /health/live at the same concurrency. The run ends by
// checking that the shared conversation's unread count equals the messages sent.
// Env: COMMUNICATIONS_URL (the running service, trusting this process's JWKS), BENCH_DATABASE_URL
// (its database, as the communications role), BENCH_JWKS_PORT (18191), BENCH_SECONDS (10).

let environment = ProcessInfo.processInfo.environment
let serviceURL = environment["COMMUNICATIONS_URL"] ?? "http://127.0.0.1:18185"
let databaseURL = try DatabaseURL(
    parsing: environment["BENCH_DATABASE_URL"] ?? "postgres://tract_communications:tract_communications_local@127.0.0.1:55432/tract_bench",
    variable: "BENCH_DATABASE_URL")
let jwksPort = Int(environment["BENCH_JWKS_PORT"] ?? "18191") ?? 18191
let senderCount = Int(environment["BENCH_MESSAGING_SENDERS"] ?? "20") ?? 20
let memberCount = max(senderCount + 1, Int(environment["BENCH_MESSAGING_MEMBERS"] ?? "50") ?? 50)
let seconds = Double(environment["BENCH_SECONDS"] ?? "10") ?? 10
let logger = Logger(label: "messaging-bench")

struct BenchError: Error, CustomStringConvertible { var description: String }

// MARK: tokens: this process stands in for auth's JWKS, as the tests' issuer does

let signingKey = try EdDSA.PrivateKey()
let keys = JWTKeyCollection()
await keys.add(eddsa: signingKey, kid: "bench-messaging")
let jwks: String = {
    let x = signingKey.publicKey.rawRepresentation.base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    return #"{"keys":[{"kty":"OKP","crv":"Ed25519","use":"sig","alg":"EdDSA","kid":"bench-messaging","x":"\#(x)"}]}"#
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
    return try await keys.sign(claims, kid: "bench-messaging")
}

extension Duration {
    var inMilliseconds: Double { Double(self.components.seconds) * 1000 + Double(self.components.attoseconds) / 1e15 }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func row(_ name: String, _ values: [Double], over duration: Double) {
    let sorted = values.sorted()
    print(
        name.padding(toLength: 48, withPad: " ", startingAt: 0)
            + String(
                format: "%8d %9.1f %9.2f %9.2f %9.2f", sorted.count, Double(sorted.count) / duration,
                percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.last ?? .nan)
    )
}

let http = HTTPClient(eventLoopGroupProvider: .singleton)
let postgres = PostgresClient(configuration: try databaseURL.clientConfiguration, backgroundLogger: logger)
let postgresTask = Task { await postgres.run() }

/// One request; its latency in milliseconds, after checking the status.
func timed(_ method: HTTPMethod, _ path: String, body: String? = nil, token: String?, expect status: UInt) async throws -> Double {
    var request = HTTPClientRequest(url: serviceURL + path)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let start = ContinuousClock.now
    let response = try await http.execute(request, timeout: .seconds(60))
    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
    let elapsed = (ContinuousClock.now - start).inMilliseconds
    guard response.status.code == status else { throw BenchError(description: "\(method) \(path) answered \(response.status.code): \(text)") }
    return elapsed
}

/// `workers` loops of `work` for `seconds`; every latency.
func run(workers: Int, _ work: @escaping @Sendable (Int) async throws -> Double) async throws -> [Double] {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    return try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<workers {
            group.addTask {
                var latencies: [Double] = []
                while ContinuousClock.now < deadline { latencies.append(try await work(worker)) }
                return latencies
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all
    }
}

/// A group conversation of `members` (the first its owner), made in the database directly: what is
/// measured is posting, not opening.
func conversation(_ members: [UUID], lastSeq: Int = 0) async throws -> UUID {
    let id = UUID()
    try await postgres.query(
        """
        WITH c AS (
            INSERT INTO communications.conversations (id, kind, name, last_seq, created_at, updated_at)
            VALUES (\(id), 'group', 'bench', \(lastSeq), now(), now()) RETURNING id
        )
        INSERT INTO communications.conversation_members (conversation_id, user_id, role, joined_at)
        SELECT c.id, m, 'member', now() FROM c, unnest(\(members)::uuid[]) AS m
        """,
        logger: logger)
    return id
}

do {
    try await Task.sleep(for: .milliseconds(300))
    let owner = UUID()
    let senders = (0..<senderCount).map { _ in UUID() }
    let others = (0..<(memberCount - senderCount - 1)).map { _ in UUID() }
    var tokens: [String] = []
    for sender in senders { tokens.append(try await token(for: sender)) }
    let ownerToken = try await token(for: owner)
    let shared = try await conversation([owner] + senders + others)
    var own: [UUID] = []
    // As many members as the shared one: the same fan-out per post, without the shared lock.
    for sender in senders { own.append(try await conversation([sender, owner] + (0..<(memberCount - 2)).map { _ in UUID() })) }
    let senderTokens = tokens
    let ownConversations = own

    print("messaging: \(senderCount) concurrent senders, \(memberCount) members per conversation, \(Int(seconds)) s each")
    print("what".padding(toLength: 48, withPad: " ", startingAt: 0) + "    count       /s   p50 ms    p99 ms    max ms")
    let body = #"{"body":"Bench message: is the K-1 out yet?"}"#
    let baseline = try await run(workers: senderCount) { _ in try await timed(.GET, "/health/live", token: nil, expect: 200) }
    row("GET /health/live (baseline)", baseline, over: seconds)
    let one = try await run(workers: senderCount) { worker in
        try await timed(
            .POST, "/v1/communications/conversations/\(shared.uuidString.lowercased())/messages", body: body, token: senderTokens[worker], expect: 201
        )
    }
    row("POST message, all into one conversation", one, over: seconds)
    let separate = try await run(workers: senderCount) { worker in
        try await timed(
            .POST, "/v1/communications/conversations/\(ownConversations[worker].uuidString.lowercased())/messages", body: body,
            token: senderTokens[worker], expect: 201)
    }
    row("POST message, each into its own conversation", separate, over: seconds)

    // A reader with 200 conversations, 50 unread in each.
    let reader = UUID()
    try await postgres.query(
        """
        WITH c AS (
            INSERT INTO communications.conversations (id, kind, name, last_seq, created_at, updated_at)
            SELECT gen_random_uuid(), 'group', 'unread ' || g, 50, now(), now() FROM generate_series(1, 200) g RETURNING id
        ), m AS (
            INSERT INTO communications.conversation_members (conversation_id, user_id, joined_at) SELECT c.id, \(reader), now() FROM c
        )
        INSERT INTO communications.messages (id, conversation_id, seq, sender_id, body, created_at)
        SELECT gen_random_uuid(), c.id, s, gen_random_uuid(), 'unread', now() FROM c, generate_series(1, 50) s
        """,
        logger: logger)
    try await postgres.query("ANALYZE communications.messages", logger: logger)
    let readerToken = try await token(for: reader)
    let unread = try await run(workers: 1) { _ in try await timed(.GET, "/v1/communications/conversations/unread", token: readerToken, expect: 200) }
    row("GET unread total, 200 conversations × 50", unread, over: seconds)

    // The count the owner sees is every message sent into the shared conversation.
    var request = HTTPClientRequest(url: serviceURL + "/v1/communications/conversations/\(shared.uuidString.lowercased())")
    request.headers.add(name: "Authorization", value: "Bearer \(ownerToken)")
    let view = try JSONDecoder().decode(JSONValue.self, from: try await http.execute(request, timeout: .seconds(30)).body.collect(upTo: 1 << 20))
    let shown = view["unread_count"]
    print(
        "unread in the shared conversation: \(shown.map { "\($0)" } ?? "none") for \(one.count) messages sent — \(shown == .number(Double(one.count)) ? "exact" : "WRONG")"
    )
    guard shown == .number(Double(one.count)) else { throw BenchError(description: "unread count \(String(describing: shown)) ≠ \(one.count)") }
} catch {
    print("messaging bench failed: \(error)")
    jwksTask.cancel()
    postgresTask.cancel()
    try? await http.shutdown()
    exit(1)
}
jwksTask.cancel()
postgresTask.cancel()
try await http.shutdown()
