import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO
import ServiceKit

// `make bench` (scripts/bench.sh, BENCH_ONLY=ingest): client events through POST /v1/analytics/batch
// (500-event batches from BENCH_CONCURRENCY clients for BENCH_SECONDS) against a raw COPY of the
// same number of rows, shaped as the service stores them, into the same table in the same run.
// The ratio is what to compare across machines; the issue asks ≥ 20,000 events/s and ≥ 0.5.
// Env: ANALYTICS_URL (the running service, its per-address limit out of the way), BENCH_DATABASE_URL
// (a superuser URL of the service's database), BENCH_SECONDS (10), BENCH_CONCURRENCY (8).

let environment = ProcessInfo.processInfo.environment
let serviceURL = environment["ANALYTICS_URL"] ?? "http://127.0.0.1:18085"
let databaseURL = try DatabaseURL(
    parsing: environment["BENCH_DATABASE_URL"] ?? "postgres://postgres:tract-local-admin@127.0.0.1:55432/tract_bench", variable: "BENCH_DATABASE_URL")
let seconds = Double(environment["BENCH_SECONDS"] ?? "10") ?? 10
let concurrency = Int(environment["BENCH_CONCURRENCY"] ?? "8") ?? 8
let batchSize = 500

/// One batch as a browser SDK would send it: page views with a session, UTM fields and a few properties.
func batch(_ worker: Int, _ n: Int) -> ByteBuffer {
    var events: [String] = []
    events.reserveCapacity(batchSize)
    for i in 0..<batchSize {
        events.append(
            #"{"id":"\#(UUID().uuidString.lowercased())","name":"page_viewed","anonymous_id":"bench-\#(worker)-\#(i % 50)","#
                + #""session_id":"s-\#(worker)-\#(n)","page_url":"https://tract.dev/listings/\#(i)","referrer":"https://www.google.com/","#
                + #""utm_source":"newsletter","utm_medium":"email","utm_campaign":"oz-2025","properties":{"path":"/listings/\#(i)","position":\#(i)}}"#
        )
    }
    return ByteBuffer(string: #"{"events":["# + events.joined(separator: ",") + "]}")
}

func throughHTTP() async throws -> (events: Int, seconds: Double) {
    let deadline = ContinuousClock.now + .seconds(seconds)
    let start = ContinuousClock.now
    let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var stored = 0
                var n = 0
                while ContinuousClock.now < deadline {
                    var request = HTTPClientRequest(url: serviceURL + "/v1/analytics/batch")
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.headers.add(name: "User-Agent", value: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0")
                    request.body = .bytes(batch(worker, n))
                    n += 1
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    guard response.status.code == 202 else {
                        throw BenchError(message: "batch answered \(response.status.code): \(String(buffer: body))")
                    }
                    stored += batchSize
                }
                return stored
            }
        }
        return try await group.reduce(0, +)
    }
    return (accepted, (ContinuousClock.now - start).inSeconds)
}

/// The same rows, as text COPY lines, straight into `events` (no dedupe, no checks: the floor).
func throughCOPY(rows: Int, on connection: PostgresConnection, logger: Logger) async throws -> Double {
    let now = ISO8601DateFormatter().string(from: Date())
    // copyFrom quotes the table name whole, so the schema comes from the search path.
    try await connection.query("SET search_path TO analytics", logger: logger)
    let start = ContinuousClock.now
    try await connection.copyFrom(
        table: "events",
        columns: [
            "id", "name", "origin", "occurred_at", "received_at", "anonymous_id", "actor", "session_id", "page_url", "referrer", "utm_source",
            "utm_medium", "utm_campaign", "device_type", "os", "browser", "ip_prefix", "properties",
        ],
        logger: logger
    ) { writer in
        var buffer = ByteBuffer()
        for i in 0..<rows {
            let anonymous = "copy-\(i % 400)"
            buffer.writeString(
                "\(UUID().uuidString.lowercased())\tpage_viewed\tclient\t\(now)\t\(now)\t\(anonymous)\tanon:\(anonymous)\ts-\(i / 500)\t"
                    + "https://tract.dev/listings/\(i % 500)\thttps://www.google.com/\tnewsletter\temail\toz-2025\tdesktop\tWindows\tFirefox\t"
                    + "127.0.0.0/24\t{\"path\": \"/listings/\(i % 500)\", \"position\": \(i % 500)}\n")
            if buffer.readableBytes > 1 << 20 {
                try await writer.write(buffer)
                buffer.clear()
            }
        }
        if buffer.readableBytes > 0 { try await writer.write(buffer) }
    }
    return (ContinuousClock.now - start).inSeconds
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

let logger = Logger(label: "ingest-bench")
let http = try await throughHTTP()
let httpRate = Double(http.events) / http.seconds
let client = PostgresClient(configuration: try databaseURL.clientConfiguration, backgroundLogger: logger)
let copySeconds = try await withThrowingTaskGroup(of: Double?.self) { group in
    group.addTask {
        await client.run()
        return nil
    }
    let elapsed = try await client.withConnection { try await throughCOPY(rows: http.events, on: $0, logger: logger) }
    group.cancelAll()
    return elapsed
}
let copyRate = Double(http.events) / copySeconds
print(
    """
    ingestion (issue 13): \(http.events) events in \(batchSize)-event batches from \(concurrency) clients
      POST /v1/analytics/batch  \(String(format: "%.0f", httpRate)) events/s (\(String(format: "%.1f", http.seconds)) s)
      COPY of the same rows     \(String(format: "%.0f", copyRate)) rows/s (\(String(format: "%.1f", copySeconds)) s)
      ratio batch/COPY          \(String(format: "%.2f", httpRate / copyRate))
    """)
