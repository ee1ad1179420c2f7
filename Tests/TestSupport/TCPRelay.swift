import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP relay from a loopback port to `targets` that a test can cut and mend: the database a
/// service sees "goes down" (every connection dropped, new ones refused) without stopping the
/// cluster the other tests share.
///
/// With several targets it is a service's front as a Kubernetes Service is (kube-proxy balances
/// connections, not requests): each new connection goes to the next target in turn, and one that
/// refuses the connection (a replica that is down) is skipped for the next.
public final class TCPRelay: Sendable {
    public let port: Int
    private let targets: [SocketAddress]
    private let state = NIOLockedValueBox<State>(State())

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// The target the next connection tries first.
        var next = 0
    }

    public convenience init(to host: String, port targetPort: Int) async throws {
        try await self.init(to: host, ports: [targetPort])
    }

    /// A round-robin front for `targetPorts` on `host` (one port: a plain relay).
    public init(to host: String, ports targetPorts: [Int]) async throws {
        precondition(!targetPorts.isEmpty, "a relay needs a target")
        self.targets = try targetPorts.map { try SocketAddress.makeAddressResolvingHost(host, port: $0) }
        let listener = try await Self.listen(on: 0, relay: nil)
        self.port = listener.localAddress?.port ?? 0
        try await listener.close()
        try await self.mend()
    }

    /// Drops every relayed connection and stops listening: connecting is refused, as with a
    /// database that stopped.
    public func cut() async {
        let (listener, connections) = self.state.withLockedValue { state in
            defer { state = State() }
            return (state.listener, Array(state.connections.values))
        }
        try? await listener?.close()
        for connection in connections { try? await connection.close() }
    }

    /// Listens again on the same port.
    public func mend() async throws {
        let listener = try await Self.listen(on: self.port, relay: self)
        self.state.withLockedValue { $0.listener = listener }
    }

    public func close() async { await self.cut() }

    private static func listen(on port: Int, relay: TCPRelay?) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { inbound in
                guard let relay else { return inbound.close() }
                return relay.connect(inbound)
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    private func connect(_ inbound: any Channel) -> EventLoopFuture<Void> {
        let first = self.state.withLockedValue { state in
            defer { state.next = (state.next + 1) % self.targets.count }
            return state.next
        }
        return inbound.setOption(.autoRead, value: false).flatMap {
            self.connectOutbound(on: inbound.eventLoop, first: first, tries: self.targets.count)
        }.flatMap { outbound in
            let (toInbound, toOutbound) = RelayHandler.pair()
            self.track(inbound)
            self.track(outbound)
            return outbound.pipeline.addHandler(toInbound).flatMap {
                inbound.pipeline.addHandler(toOutbound)
            }.flatMap { inbound.setOption(.autoRead, value: true) }
        }
    }

    /// Connects to `targets[first]`, else to the ones after it, `tries` in all.
    private func connectOutbound(on eventLoop: any EventLoop, first: Int, tries: Int) -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: eventLoop).connect(to: self.targets[first % self.targets.count]).flatMapError { error in
            guard tries > 1 else { return eventLoop.makeFailedFuture(error) }
            return self.connectOutbound(on: eventLoop, first: first + 1, tries: tries - 1)
        }
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        self.state.withLockedValue { $0.connections[id] = channel }
        channel.closeFuture.whenComplete { _ in self.state.withLockedValue { _ = $0.connections.removeValue(forKey: id) } }
    }
}

/// One side of a relayed connection: what it reads, its partner writes; when it closes, so does
/// its partner (swift-nio-examples' GlueHandler, without back-pressure: tests move little data).
private final class RelayHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var partner: RelayHandler?
    private var context: ChannelHandlerContext?

    static func pair() -> (RelayHandler, RelayHandler) {
        let first = RelayHandler()
        let second = RelayHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.partner?.write(self.unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) { self.partner?.flush() }

    func channelInactive(context: ChannelHandlerContext) { self.partner?.closeSide() }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

    private func write(_ buffer: ByteBuffer) {
        guard let context = self.context else { return }
        context.eventLoop.execute { context.write(self.wrapOutboundOut(buffer), promise: nil) }
    }

    private func flush() {
        guard let context = self.context else { return }
        context.eventLoop.execute { context.flush() }
    }

    private func closeSide() {
        guard let context = self.context else { return }
        context.eventLoop.execute { context.close(promise: nil) }
    }
}
