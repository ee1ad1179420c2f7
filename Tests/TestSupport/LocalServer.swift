import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A real HTTP server on a loopback port for the duration of `body`: the peer a test needs
/// (a JWKS endpoint, an event subscriber) speaking real HTTP.
public func withLocalServer<Context: RequestContext, T: Sendable>(
    _ router: Router<Context>,
    _ body: @Sendable (_ baseURL: URL) async throws -> T
) async throws -> T where Context.Source == ApplicationRequestContextSource {
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    // A port no other test here has had: the OS would hand out a port an earlier test's server
    // just released, and a client that test left behind (a dispatcher retrying, a verifier
    // refreshing keys) would connect to this server, maybe as it shuts down, which NIO answers by
    // trapping (swift-nio#3481: an accepted connection that is never served).
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: try await freePort())),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: Logger(label: "test.server")
    )
    let serviceGroup = ServiceGroup(
        configuration: .init(services: [app], gracefulShutdownSignals: [], logger: Logger(label: "test.server"))
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await serviceGroup.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        do {
            let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
            await serviceGroup.triggerGracefulShutdown()
            return result
        } catch {
            await serviceGroup.triggerGracefulShutdown()
            throw error
        }
    }
}

/// A loopback port nobody listens on right now (bound, read, released) and that no other test in
/// this process has been given. Released ports go back to the OS, which may offer the same one
/// again before the first test binds it; two suites' servers on one port answer each other's
/// requests (another issuer's tokens, another service's events), so a port is handed out once.
public func freePort() async throws -> Int {
    while true {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        if handedOutPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
}

private let handedOutPorts = Mutex<Set<Int>>([])

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(
    timeout: Duration = .seconds(10),
    interval: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
