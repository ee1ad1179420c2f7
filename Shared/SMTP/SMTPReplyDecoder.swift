import NIOCore

/// Splits the server's byte stream into CRLF-terminated lines and whole replies.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; a little slack for lax servers.
    static let maximumLineLength = 2048

    private var parser = SMTPReplyParser()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength { throw SMTPError.protocolViolation("reply line too long") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        guard length <= Self.maximumLineLength, var line = buffer.readString(length: length) else {
            throw SMTPError.protocolViolation("reply line too long")
        }
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        do {
            if var reply = try parser.consume(line) {
                reply.wasFollowedByMoreData = buffer.readableBytes > 0
                context.fireChannelRead(wrapInboundOut(reply))
            }
        } catch {
            throw SMTPError.protocolViolation("unexpected reply: \(error)")
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
