import Foundation
import Hummingbird
import NIOCore
import NIOPosix
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
}
