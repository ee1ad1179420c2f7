import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// Internal calls carry the caller's request id and trace, a service token, and are retried only
/// where repeating them is safe.
@Suite struct InternalClientTests {
    struct StaticToken: ServiceTokenProvider {
        func token() async throws -> String? { "service-token" }
    }

    @Test func propagatesRequestIDTraceAndToken() async throws {
        let seen = NIOLockedValueBox<[String: String]>([:])
        let router = Router()
        router.get("echo") { request, _ -> String in
            seen.withLockedValue {
                $0["request_id"] = request.headers[.requestID]
                $0["traceparent"] = request.headers[.traceparent]
                $0["authorization"] = request.headers[.authorization]
            }
            return "ok"
        }
        try await withLocalServer(router) { base async throws in
            let client = InternalHTTPClient(tokens: StaticToken())
            let trace = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
            let reply = try await client.send(
                .GET, base.appendingPathComponent("echo"), context: CallContext(requestID: "req-42", traceParent: trace))
            #expect(reply.status == 200)
            let headers = seen.withLockedValue { $0 }
            #expect(headers["request_id"] == "req-42")
            #expect(headers["authorization"] == "Bearer service-token")
            let forwarded = try #require(headers["traceparent"].flatMap(TraceParent.init(header:)))
            #expect(forwarded.traceID == trace.traceID)
            #expect(forwarded.parentID != trace.parentID)
        }
    }

    @Test func retriesIdempotentCallsOnlyAndFailsFastWhenThePeerIsDown() async throws {
        let calls = NIOLockedValueBox<[String: Int]>([:])
        let router = Router()
        router.get("flaky") { _, _ -> Response in
            let count = calls.withLockedValue {
                $0["get", default: 0] += 1
                return $0["get"]!
            }
            return Response(status: count < 3 ? .serviceUnavailable : .ok)
        }
        router.post("flaky") { _, _ -> Response in
            calls.withLockedValue { $0["post", default: 0] += 1 }
            return Response(status: .serviceUnavailable)
        }
        try await withLocalServer(router) { base async throws in
            let client = InternalHTTPClient(tokens: StaticToken())
            let url = base.appendingPathComponent("flaky")
            #expect(try await client.send(.GET, url, context: .background()).status == 200)
            #expect(try await client.send(.POST, url, json: "{}", context: .background()).status == 503)
            #expect(calls.withLockedValue { $0 } == ["get": 3, "post": 1])
        }
        // Nobody listens: the call fails at once instead of waiting out its 30 s timeout. (The bound
        // is a third of the timeout, not a latency target: a loaded CI host took 3.9 s here.)
        let port = try await freePort()
        let started = ContinuousClock.now
        await #expect(throws: InternalCallError.self) {
            try await InternalHTTPClient(tokens: StaticToken(), timeout: .seconds(30), maximumAttempts: 1)
                .send(.GET, URL(string: "http://127.0.0.1:\(port)/")!, context: .background())
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
