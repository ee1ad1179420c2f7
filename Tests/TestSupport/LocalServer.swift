import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A real HTTP server on a loopback port for the duration of `body`: the peer a test needs
/// (a JWKS endpoint, an event subscriber) speaking real HTTP.
///
/// A server that cannot start (its port was taken after `freePort` checked it) never leaves the
/// test waiting for a port that will not come: it is tried again on another port, and after the
/// last try its error is thrown.
public func withLocalServer<Context: RequestContext, T: Sendable>(
    _ router: Router<Context>,
    _ body: @Sendable (_ baseURL: URL) async throws -> T
) async throws -> T where Context.Source == ApplicationRequestContextSource {
    var attempt = 1
    while true {
        let port = try await freePort()
        do {
            return try await withLocalServer(router, port: port, body)
        } catch let failure as LocalServerDidNotStart where failure.port == port && attempt < 3 {
            // This server's own failure (a server `body` nested has a port of its own): `body` never ran.
            Logger(label: "test.server").warning("local server did not start; trying another port", metadata: ["error": "\(failure)"])
            attempt += 1
        }
    }
}

/// The server of `withLocalServer` stopped before it listened (most often: its port was taken).
public struct LocalServerDidNotStart: Error, CustomStringConvertible {
    public var port: Int
    public var underlying: (any Error)?
    public var description: String {
        "the local server on port \(self.port) did not start: \(self.underlying.map { String(reflecting: $0) } ?? "it stopped")"
    }
}

/// One server on `port` (see above).
func withLocalServer<Context: RequestContext, T: Sendable>(
    _ router: Router<Context>,
    port requested: Int,
    _ body: @Sendable (_ baseURL: URL) async throws -> T
) async throws -> T where Context.Source == ApplicationRequestContextSource {
    let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
    // A port no other test here has had: the OS would hand out a port an earlier test's server
    // just released, and a client that test left behind (a dispatcher retrying, a verifier
    // refreshing keys) would connect to this server, maybe as it shuts down, which NIO answers by
    // trapping (swift-nio#3481: an accepted connection that is never served).
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: requested)),
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
        group.addTask {
            // Whatever ends the server (a bind that failed included) ends the wait for its port:
            // left open, that wait would never return and the test would hang.
            defer { portContinuation.finish() }
            try await serviceGroup.run()
        }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            var underlying: (any Error)?
            do { try await group.next() } catch { underlying = error }
            throw LocalServerDidNotStart(port: requested, underlying: underlying)
        }
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
///
/// The port is picked below the kernel's ephemeral range (`ip_local_port_range`, 32768–60999 on
/// Linux; 49152– on macOS), never by binding port 0: a port from that range, once released, is
/// the next outgoing connection's to take (this process makes thousands — Postgres, HTTP — and so
/// does every other process on the machine), and a server started seconds later (after its
/// migrations) then fails to bind: `withLocalServer` waited forever for a port that never came
/// (a test "hung" for good) and `withRunningApplication` gave up after 90 s.
public func freePort() async throws -> Int {
    while true {
        let candidate = Int.random(in: localPortRange)
        guard !handedOutPorts.withLock({ $0.contains(candidate) }) else { continue }
        // Bound to check nobody listens on it (another process's test server, a dev server).
        guard
            let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: candidate).get()
        else { continue }
        try await channel.close()
        if handedOutPorts.withLock({ $0.insert(candidate).inserted }) { return candidate }
    }
}

/// Ports `freePort` picks from: above the services' own (8081–8090) and below the ephemeral range.
let localPortRange: ClosedRange<Int> = {
    let ephemeralStart =
        (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
        .split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } ?? 32768
    let upper = min(ephemeralStart, 32768) - 1
    return 20000...max(upper, 20000 + 1000)
}()

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
