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

/// Sends mail to one SMTP server (RFC 5321) over a connection of its own per message: EHLO (HELO
/// for old servers), STARTTLS or implicit TLS, AUTH PLAIN or LOGIN, MAIL/RCPT/DATA, QUIT.
///
/// A new connection per message keeps the client stateless and safe to share; transactional mail
/// volumes do not need a pool. Every error thrown is an `SMTPError`.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    /// Built once: loading trust roots is far slower than a handshake.
    private let sslContext: NIOSSLContext

    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.sslContext = try NIOSSLContext(configuration: configuration.tls)
    }

    /// Delivers `email`: returns its Message-ID and the server's reply (often naming its queue id).
    @discardableResult
    public func send(_ email: Email, logger: Logger) async throws -> SMTPReceipt {
        guard !email.to.isEmpty else { throw SMTPError.invalidAddress("(no recipients)") }
        if configuration.credentials != nil && configuration.security == .none {
            throw SMTPError.insecureAuthentication
        }
        let mime = MIMEMessage(email: email, date: Int64(Date().timeIntervalSince1970), uniqueID: Self.randomID())
        let message = try mime.render()

        let errors = PipelineErrors()
        let channel = try await connect(recordingErrorsIn: errors)
        return try await withThrowingTaskGroup(of: SMTPReply?.self) { group in
            group.addTask {
                do {
                    return try await channel.executeThenClose { inbound, outbound in
                        var conversation = SMTPConversation(
                            replies: inbound.makeAsyncIterator(),
                            outbound: outbound,
                            channel: channel.channel,
                            logger: logger
                        )
                        return try await conversation.deliver(
                            message: message, email: email, configuration: configuration, sslContext: sslContext
                        )
                    }
                } catch {
                    throw Self.classify(error, pipelineError: errors.first)
                }
            }
            group.addTask {
                try await Task.sleep(for: configuration.exchangeTimeout)
                channel.channel.close(promise: nil)
                throw SMTPError.timedOut
            }
            defer { group.cancelAll() }
            guard let reply = try await group.next() ?? nil else { throw SMTPError.timedOut }
            return SMTPReceipt(messageID: mime.messageID, reply: reply)
        }
    }

    /// What to tell the caller. A failed TLS handshake reaches the conversation only as a closed
    /// stream, so the error the pipeline saw first decides.
    private static func classify(_ error: any Error, pipelineError: (any Error)?) -> SMTPError {
        if let error = error as? SMTPError, error != .connectionClosed { return error }
        if error is CancellationError { return .timedOut }
        switch pipelineError ?? error {
        case let tls as NIOSSLError: return .connectionFailed("TLS: \(tls)")
        case let tls as BoringSSLError: return .connectionFailed("TLS: \(tls)")
        case let smtp as SMTPError: return smtp
        default: return .connectionClosed
        }
    }

    private func connect(recordingErrorsIn errors: PipelineErrors) async throws -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
        let security = configuration.security
        let sslContext = sslContext
        let sniHostname = Self.isIPAddress(configuration.host) ? nil : configuration.host
        do {
            return try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if security == .tls {
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
        } catch {
            throw SMTPError.connectionFailed("\(configuration.host):\(configuration.port): \(error)")
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    private static func randomID() -> String {
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
