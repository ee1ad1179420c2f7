import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// What the server said when it took a message.
public struct SMTPReceipt: Sendable {
    /// The `Message-ID` header sent, angle brackets included.
    public var messageID: String
    public var reply: SMTPReply
}

/// Sends mail to one SMTP server (RFC 5321): EHLO (HELO for old servers), STARTTLS or implicit
/// TLS, AUTH PLAIN or LOGIN, then MAIL/RCPT/DATA per message — pipelined when the server offers
/// PIPELINING (RFC 2920) — over up to `maximumConnections` connections that are kept open and
/// reused message after message (see `SMTPConnectionPool`).
///
/// Copies share one pool, so build one client per server and pass it around. Every error thrown
/// is an `SMTPError`.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    /// Built once: loading trust roots is far slower than a handshake. None for plain SMTP (a
    /// local relay or test sink), so such a client loads no certificates and keeps no TLS state:
    /// about 2 MB less resident memory for a service that never speaks TLS to its relay (issue 19).
    private let sslContext: NIOSSLContext?
    private let pool: SMTPConnectionPool

    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        let sslContext = configuration.security == .none ? nil : try NIOSSLContext(configuration: configuration.tls)
        self.sslContext = sslContext
        self.pool = SMTPConnectionPool(configuration: configuration, sslContext: sslContext) { _ in
            try await Self.connect(configuration: configuration, sslContext: sslContext, group: eventLoopGroup)
        }
    }

    /// Delivers `email`: returns its Message-ID and the server's reply (often naming its queue id).
    /// `messageID` (the part before the `@`) may be fixed by the caller, so that a message sent
    /// again after a crash carries the same Message-ID and a receiver can tell it is the same.
    @discardableResult
    public func send(_ email: Email, messageID: String? = nil, logger: Logger) async throws -> SMTPReceipt {
        guard !email.to.isEmpty else { throw SMTPError.invalidAddress("(no recipients)") }
        if configuration.credentials != nil && configuration.security == .none {
            throw SMTPError.insecureAuthentication
        }
        let mime = MIMEMessage(email: email, date: Int64(Date().timeIntervalSince1970), uniqueID: messageID ?? Self.randomID())
        let payload = DotStuffing.payload(try mime.render())
        let reply = try await pool.deliver(from: email.from.address, to: email.to.map(\.address), payload: payload, logger: logger)
        return SMTPReceipt(messageID: mime.messageID, reply: reply)
    }

    private static func connect(
        configuration: SMTPConfiguration, sslContext: NIOSSLContext?, group: any EventLoopGroup
    ) async throws -> SMTPConnectionPool.Connection {
        let errors = PipelineErrors()
        let security = configuration.security
        let sniHostname = Self.isIPAddress(configuration.host) ? nil : configuration.host
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if security == .tls {
                            guard let sslContext else { throw SMTPError.connectionFailed("TLS is configured but no TLS context was built") }
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLClientHandler(context: sslContext, serverHostname: sniHostname)
                            )
                        }
                        // STARTTLS later puts its TLS handler in front of these two.
                        try channel.pipeline.syncOperations.addHandler(errors)
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return (channel, errors)
        } catch {
            throw SMTPError.connectionFailed("\(configuration.host):\(configuration.port): \(error)")
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}

/// Keeps the first error the pipeline reports, such as a failed TLS handshake, which the async
/// channel would otherwise turn into a plain end of stream.
final class PipelineErrors: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let recorded = NIOLockedValueBox<(any Error)?>(nil)

    var first: (any Error)? { recorded.withLockedValue { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        recorded.withLockedValue { if $0 == nil { $0 = error } }
        context.fireErrorCaught(error)
    }
}
