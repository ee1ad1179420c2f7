import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

@testable import TestSupport

/// The test harness's servers: a server that cannot take its port fails the test at once instead of
/// leaving it waiting for ever (a CommunicationsTests run hung for more than 15 minutes this way).
@Suite struct LocalServerTests {
    @Test(.timeLimit(.minutes(1))) func aServerWhosePortIsTakenFailsInsteadOfWaitingForever() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { taken.close(promise: nil) }
        let port = try #require(taken.localAddress?.port)
        await #expect(throws: LocalServerDidNotStart.self) {
            try await withLocalServer(Router(), port: port) { _ in Issue.record("the server should not have started") }
        }
    }

    @Test func portsAreHandedOutOnceAndBelowTheEphemeralRange() async throws {
        var ports: Set<Int> = []
        for _ in 0..<50 { ports.insert(try await freePort()) }
        #expect(ports.count == 50)
        #expect(ports.allSatisfy { localPortRange.contains($0) && $0 < 32768 })
    }

    /// An application whose graceful shutdown never ends (a service that ignores it) is stopped
    /// after the limit, and the test goes on with its own result instead of hanging the run.
    @Test(.timeLimit(.minutes(1))) func anApplicationThatNeverFinishesShuttingDownIsStoppedAfterTheLimit() async throws {
        struct Stubborn: Service {
            // Ignores graceful shutdown; only cancellation ends it.
            func run() async throws { try await Task.sleep(for: .seconds(3600)) }
        }
        let port = try await freePort()
        let router = Router()
        router.get("/health/live") { _, _ in "ok" }
        var app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        app.addServices(Stubborn())
        let started = ContinuousClock.now
        let result = try await withRunningApplication(app, port: port, shutdownLimit: .seconds(1)) { 42 }
        #expect(result == 42)
        #expect(ContinuousClock.now - started < .seconds(30))
    }
}
