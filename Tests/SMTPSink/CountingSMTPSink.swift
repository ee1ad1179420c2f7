import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A minimal SMTP server in NIO that accepts every message and keeps only what tests and
/// benchmarks count: each message's recipients and a few headers. It is fast enough that a
/// campaign benchmark measures the sender, not the sink (Python's aiosmtpd, the suite's other
/// sink, writes two files per message), and it can be told to stop answering (`hold`) so a test
/// can stop a sender at a known point.
///
/// Speaks RFC 5321 as far as a client needs: EHLO/HELO (advertising PIPELINING and SIZE), MAIL,
/// RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT. A message counts once the server has
/// answered its final 250 — what a real server's acceptance is.
public final class CountingSMTPSink: Sendable {
    public struct Message: Sendable {
        public var mailFrom: String
        public var recipients: [String]
        /// Header names lower-cased, values unfolded.
        public var headers: [String: String]
        public var size: Int
        public var connection: Int
    }

    public let port: Int
    private let channel: any Channel
    private let state: NIOLockedValueBox<State>
    private let keepMessages: Bool

    struct State {
        var messages: [Message] = []
        var count = 0
        var hold = false
        var connections = 0
    }

    /// `keepMessages: false` counts only (benchmarks).
    public init(keepMessages: Bool = true, pipelining: Bool = true, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws
    {
        let state = NIOLockedValueBox(State())
        self.state = state
        self.keepMessages = keepMessages
        let keep = keepMessages
        self.channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let number = state.withLockedValue { state in
                    state.connections += 1
                    return state.connections
                }
                return channel.pipeline.addHandler(SinkSession(state: state, keep: keep, pipelining: pipelining, connection: number))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.port = self.channel.localAddress?.port ?? 0
    }

    public func close() async {
        try? await self.channel.close()
    }

    /// Every accepted message so far.
    public var messages: [Message] { self.state.withLockedValue { $0.messages } }
    /// How many messages were accepted.
    public var count: Int { self.state.withLockedValue { $0.count } }
    /// Connections opened so far.
    public var connections: Int { self.state.withLockedValue { $0.connections } }

    /// While on, the end of a message's data is never answered and the message never counts: a
    /// client waits (or is killed) with its messages unaccepted.
    public func hold(_ on: Bool) { self.state.withLockedValue { $0.hold = on } }

    /// Waits until `count` reaches `target`.
    public func waitForCount(atLeast target: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while self.count < target {
            guard ContinuousClock.now < deadline else { throw SinkTimeout(count: self.count, target: target) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    public struct SinkTimeout: Error, CustomStringConvertible {
        public var count: Int
        public var target: Int
        public var description: String { "the sink accepted \(count) messages, not \(target)" }
    }
}

/// One connection's SMTP session.
final class SinkSession: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let state: NIOLockedValueBox<CountingSMTPSink.State>
    private let keep: Bool
    private let pipelining: Bool
    private let connection: Int
    private var buffer = ByteBuffer()
    private var inData = false
    private var data: [UInt8] = []
    private var size = 0
    private var mailFrom = ""
    private var recipients: [String] = []

    init(state: NIOLockedValueBox<CountingSMTPSink.State>, keep: Bool, pipelining: Bool, connection: Int) {
        self.state = state
        self.keep = keep
        self.pipelining = pipelining
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        self.reply("220 sink ESMTP ready", context: context)
        context.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&incoming)
        var wrote = false
        while let line = self.nextLine() {
            wrote = true
            if self.inData {
                if line == [UInt8(ascii: ".")] {
                    self.inData = false
                    let held = self.state.withLockedValue { $0.hold }
                    if held { continue }
                    self.accept()
                    self.reply("250 2.0.0 accepted", context: context)
                } else {
                    let unstuffed = line.first == UInt8(ascii: ".") ? Array(line.dropFirst()) : line
                    if self.keep { self.data += unstuffed + [13, 10] }
                    self.size += unstuffed.count + 2
                }
                continue
            }
            let text = String(decoding: line, as: UTF8.self)
            let verb = text.prefix(4).uppercased()
            switch verb {
            case "EHLO":
                self.reply("250-sink\r\n" + (self.pipelining ? "250-PIPELINING\r\n" : "") + "250-SIZE 52428800\r\n250 8BITMIME", context: context)
            case "HELO": self.reply("250 sink", context: context)
            case "MAIL":
                self.mailFrom = Self.address(in: text)
                self.recipients = []
                self.reply("250 2.1.0 ok", context: context)
            case "RCPT":
                self.recipients.append(Self.address(in: text))
                self.reply("250 2.1.5 ok", context: context)
            case "DATA":
                if self.recipients.isEmpty {
                    self.reply("554 5.5.1 no valid recipients", context: context)
                } else {
                    self.inData = true
                    self.data = []
                    self.size = 0
                    self.reply("354 go ahead", context: context)
                }
            case "RSET":
                self.mailFrom = ""
                self.recipients = []
                self.reply("250 2.0.0 ok", context: context)
            case "NOOP": self.reply("250 2.0.0 ok", context: context)
            case "QUIT":
                self.reply("221 2.0.0 bye", context: context)
                context.flush()
                context.close(promise: nil)
                return
            default: self.reply("502 5.5.2 not implemented", context: context)
            }
        }
        if wrote { context.flush() }
    }

    private func accept() {
        var headers: [String: String] = [:]
        if self.keep {
            let text = String(decoding: self.data, as: UTF8.self)
            let head = text.components(separatedBy: "\r\n\r\n").first ?? ""
            var last: String?
            for line in head.components(separatedBy: "\r\n") {
                if line.first == " " || line.first == "\t", let name = last {
                    headers[name, default: ""] += line.trimmingCharacters(in: .whitespaces)
                } else if let colon = line.firstIndex(of: ":") {
                    let name = line[..<colon].lowercased()
                    headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    last = name
                }
            }
        }
        let message = CountingSMTPSink.Message(
            mailFrom: self.mailFrom, recipients: self.recipients, headers: headers, size: self.size, connection: self.connection)
        self.state.withLockedValue { state in
            state.count += 1
            if self.keep { state.messages.append(message) }
        }
        self.recipients = []
    }

    private func reply(_ text: String, context: ChannelHandlerContext) {
        context.write(self.wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
    }

    /// The next CRLF-terminated line, without the CRLF.
    private func nextLine() -> [UInt8]? {
        guard let newline = self.buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - self.buffer.readerIndex
        guard var line = self.buffer.readBytes(length: length) else { return nil }
        self.buffer.moveReaderIndex(forwardBy: 1)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        if self.buffer.readableBytes == 0 { self.buffer.clear() } else if self.buffer.readerIndex > 65536 { self.buffer.discardReadBytes() }
        return line
    }

    private static func address(in command: String) -> String {
        guard let open = command.firstIndex(of: "<"), let close = command[open...].firstIndex(of: ">") else { return "" }
        return String(command[command.index(after: open)..<close])
    }
}
