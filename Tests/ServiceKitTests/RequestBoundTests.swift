import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Models
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

/// Issue 18, faults: no request hangs past its bound, even one whose work can never finish —
/// as a PostgresNIO query written to a connection that had just closed never does.
@Suite struct RequestBoundTests {
    /// Work that never finishes and ignores cancellation, as a dropped query write does; released
    /// at the end of each test so nothing leaks.
    final class Stuck: Sendable {
        private let waiters = NIOLockedValueBox<[CheckedContinuation<Void, Never>]>([])

        func wait() async {
            await withCheckedContinuation { continuation in self.waiters.withLockedValue { $0.append(continuation) } }
        }

        func release() {
            for waiter in self.waiters.withLockedValue({ waiters in
                defer { waiters = [] }
                return waiters
            }) { waiter.resume() }
        }
    }

    func application(availability: DatabaseAvailability, timeout: Duration, stuck: Stuck) -> some ApplicationProtocol {
        let router = Router(context: TractRequestContext.self)
        router.add(middleware: DatabaseOutageMiddleware(availability: availability))
        router.get("/v1/stuck") { _, _ -> String in
            await stuck.wait()
            return "finished"
        }
        router.get("/v1/waiting") { _, _ -> String in
            // A wait that does end when cancelled, as a wait for a pooled connection does.
            try await Task.sleep(for: .seconds(60))
            return "finished"
        }
        router.get("/v1/quick") { _, _ in "quick" }
        return Application(responder: RequestBound(router.buildResponder(), availability: availability, timeout: timeout))
    }

    static func problem(_ response: TestResponse) throws -> ProblemDetails {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try JSONDecoder.tract.decode(ProblemDetails.self, from: Data(response.body.readableBytesView))
    }

    @Test func workThatCannotFinishIsAnswered503WhenTheDatabaseGoesAway() async throws {
        let availability = DatabaseAvailability()
        let stuck = Stuck()
        defer { stuck.release() }
        try await self.application(availability: availability, timeout: .seconds(60), stuck: stuck).test(.router) { client in
            async let outage: Void = {
                try await Task.sleep(for: .milliseconds(200))
                availability.markUnavailable(because: CancellationError(), logger: Logger(label: "test"))
            }()
            let started = ContinuousClock.now
            try await client.execute(uri: "/v1/stuck", method: .get, headers: [.requestID: "bound-test-1"]) { response in
                let took = ContinuousClock.now - started
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                #expect(response.headers[.requestID] == "bound-test-1")
                let problem = try Self.problem(response)
                #expect(problem.type == "https://tract.dev/problems/database-unavailable")
                #expect(problem.requestId == "bound-test-1")
                // The outage at 0.2 s, then one second's grace for the work to answer itself.
                #expect(took < .seconds(5), "answered in \(took)")
            }
            try await outage
        }
    }

    @Test func aWaitThatEndsOnCancellationIsAnsweredFromInsideAtOnce() async throws {
        let availability = DatabaseAvailability()
        try await self.application(availability: availability, timeout: .seconds(60), stuck: Stuck()).test(.router) { client in
            async let outage: Void = {
                try await Task.sleep(for: .milliseconds(200))
                availability.markUnavailable(because: CancellationError(), logger: Logger(label: "test"))
            }()
            let started = ContinuousClock.now
            try await client.execute(uri: "/v1/waiting", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                // Within the grace: the route's own chain answered, not the stand-in.
                #expect(ContinuousClock.now - started < .milliseconds(1100), "answered in \(ContinuousClock.now - started)")
            }
            try await outage
        }
    }

    @Test func workPastTheTimeoutIsAnswered503() async throws {
        let stuck = Stuck()
        defer { stuck.release() }
        try await self.application(availability: DatabaseAvailability(), timeout: .seconds(1), stuck: stuck).test(.router) { client in
            let started = ContinuousClock.now
            try await client.execute(uri: "/v1/stuck", method: .get) { response in
                let took = ContinuousClock.now - started
                #expect(response.status == .serviceUnavailable)
                let problem = try Self.problem(response)
                #expect(problem.type == "https://tract.dev/problems/request-timeout")
                #expect(problem.detail?.contains("1 s") == true, "\(problem.detail ?? "")")
                #expect(response.headers[.requestID]?.isEmpty == false)
                #expect(took >= .seconds(1) && took < .seconds(4), "answered in \(took)")
            }
            try await client.execute(uri: "/v1/quick", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "quick")
            }
        }
    }

    /// A pool busy under load is not an outage. With one connection held by a slow query, a
    /// request waiting for it passes its bound and is answered 503 (a timeout); the wait it left
    /// ends with the pool's "request cancelled", which must not mark the database unreachable:
    /// that answered every other request on the replica 503 until the next probe (schemathesis
    /// found it under CI's load).
    @Test func aRequestTimedOutWaitingForABusyPoolLeavesTheDatabaseAvailable() async throws {
        var configuration = try TestDatabase.adminURL.clientConfiguration
        configuration.options.maximumConnections = 1
        configuration.options.minimumConnections = 0
        let postgres = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "test.db"))
        let availability = DatabaseAvailability()
        let router = Router(context: TractRequestContext.self)
        router.add(middleware: DatabaseOutageMiddleware(availability: availability))
        router.get("/v1/slow") { _, context -> String in
            try await postgres.query("SELECT pg_sleep(2)", logger: context.logger)
            return "slow"
        }
        router.get("/v1/quick") { _, context -> String in
            try await postgres.query("SELECT 1", logger: context.logger)
            return "quick"
        }
        let application = Application(responder: RequestBound(router.buildResponder(), availability: availability, timeout: .seconds(1)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            try await application.test(.router) { client in
                async let slow: HTTPResponse.Status = client.execute(uri: "/v1/slow", method: .get) { $0.status }
                try await Task.sleep(for: .milliseconds(300))
                try await client.execute(uri: "/v1/quick", method: .get) { response in
                    #expect(response.status == .serviceUnavailable)
                    let problem = try Self.problem(response)
                    #expect(problem.type == "https://tract.dev/problems/request-timeout")
                }
                // The slow query (itself past the bound: its answer is a 503 too) holds the
                // connection until about 2 s; the abandoned wait ended at 1.3 s.
                let slowStatus = try await slow
                #expect(slowStatus == .serviceUnavailable)
                try await Task.sleep(for: .milliseconds(1200))
                #expect(availability.isAvailable, "a cancelled wait for a connection declared an outage")
                try await client.execute(uri: "/v1/quick", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == "quick")
                }
            }
        }
    }

    @Test func whileTheDatabaseIsDownNewRequestsAreRefusedAtOnce() async throws {
        let availability = DatabaseAvailability()
        availability.markUnavailable(because: CancellationError(), logger: Logger(label: "test"))
        try await self.application(availability: availability, timeout: .seconds(60), stuck: Stuck()).test(.router) { client in
            try await client.execute(uri: "/v1/quick", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let problem = try Self.problem(response)
                #expect(problem.type == "https://tract.dev/problems/database-unavailable")
            }
        }
    }
}
