import Logging
import NIOCore
import NIOSSL

/// Commands and replies on one open connection (RFC 5321 §3, §4.1): the session's opening
/// (greeting, EHLO, STARTTLS, AUTH) once, then any number of mail transactions, then QUIT.
struct SMTPConversation {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    let logger: Logger
    /// What the last EHLO advertised (after STARTTLS, what the TLS session's EHLO did).
    private(set) var capabilities = SMTPReply(code: 250, lines: [])
    /// Set once the message body of the current transaction started to go out: from then on a
    /// failure may have delivered the message, so the transaction must never be retried blindly.
    private(set) var payloadStarted = false

    init(
        replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel,
        logger: Logger
    ) {
        self.replies = replies
        self.outbound = outbound
        self.channel = channel
        self.logger = logger
    }

    /// Greeting, EHLO, STARTTLS when configured, AUTH when configured.
    mutating func open(configuration: SMTPConfiguration, sslContext: NIOSSLContext?) async throws {
        try expect(await nextReply(), in: 220...220, for: "greeting")
        capabilities = try await hello(configuration.heloName)

        if configuration.security == .startTLS {
            guard let sslContext else { throw SMTPError.connectionFailed("STARTTLS is configured but no TLS context was built") }
            guard capabilities.advertises("STARTTLS") else { throw SMTPError.startTLSUnavailable }
            let ready = try await command("STARTTLS", expecting: 220...220)
            guard !ready.wasFollowedByMoreData else {
                throw SMTPError.protocolViolation("data after the STARTTLS reply")
            }
            let hostname = SMTPClient.isIPAddress(configuration.host) ? nil : configuration.host
            try await channel.pipeline.addHandler(
                try NIOSSLClientHandler(context: sslContext, serverHostname: hostname),
                position: .first
            ).get()
            // RFC 3207 §4.2: forget everything learned before TLS and ask again.
            capabilities = try await hello(configuration.heloName)
        }

        if let credentials = configuration.credentials {
            try await authenticate(credentials, offered: capabilities.authenticationMechanisms)
        }
    }

    /// One mail transaction. With PIPELINING (RFC 2920) MAIL, every RCPT and DATA go out in one
    /// write and their replies are read after, so a message costs two round trips, not 3 + n.
    ///
    /// A refusal before the body leaves the session usable (`reset()` it); any other error does not.
    mutating func transaction(from: String, to recipients: [String], payload: [UInt8]) async throws -> SMTPReply {
        payloadStarted = false
        let size = capabilities.advertises("SIZE") ? " SIZE=\(payload.count)" : ""
        let mail = "MAIL FROM:<\(from)>\(size)"
        let rcpts = recipients.map { "RCPT TO:<\($0)>" }
        if capabilities.advertises("PIPELINING") {
            for line in [mail] + rcpts + ["DATA"] { logger.trace("smtp >", metadata: ["smtp.command": "\(line)"]) }
            try await outbound.write(ByteBuffer(string: ([mail] + rcpts + ["DATA"]).map { $0 + "\r\n" }.joined()))
            let mailReply = try await nextReply()
            var refusal: SMTPError?
            if mailReply.code != 250 { refusal = .rejected(command: "MAIL", reply: mailReply) }
            for _ in rcpts {
                let reply = try await nextReply()
                if refusal == nil, !(250...251).contains(reply.code) { refusal = .rejected(command: "RCPT", reply: reply) }
            }
            let dataReply = try await nextReply()
            if let refusal {
                // RFC 2920 §3.1: the server should refuse DATA after no valid recipient; one that
                // answered 354 anyway would deliver whatever follows to the accepted recipients,
                // so the connection is dropped instead of sending an empty message.
                if dataReply.code == 354 { throw SMTPAbandonedSession(error: refusal) }
                throw refusal
            }
            try expect(dataReply, in: 354...354, for: "DATA")
        } else {
            try await command(mail, expecting: 250...250)
            for rcpt in rcpts { try await command(rcpt, expecting: 250...251) }
            try await command("DATA", expecting: 354...354)
        }
        payloadStarted = true
        try await outbound.write(ByteBuffer(bytes: payload))
        let accepted = try expect(await nextReply(), in: 250...250, for: "message")
        logger.debug("smtp message accepted", metadata: ["smtp.reply": "\(accepted)"])
        return accepted
    }

    /// After a refused transaction: the server forgets its envelope (RFC 5321 §4.1.1.5).
    mutating func reset() async throws {
        try await command("RSET", expecting: 250...250)
    }

    mutating func quit() async {
        _ = try? await command("QUIT", expecting: 221...221)
    }

    /// EHLO, or HELO when the server does not know EHLO (RFC 5321 §3.2).
    private mutating func hello(_ name: String) async throws -> SMTPReply {
        try await send("EHLO \(name)")
        let reply = try await nextReply()
        if reply.isPositiveCompletion { return reply }
        guard reply.code == 500 || reply.code == 502 else { throw SMTPError.rejected(command: "EHLO", reply: reply) }
        return try await command("HELO \(name)", expecting: 250...250)
    }

    private mutating func authenticate(
        _ credentials: SMTPConfiguration.Credentials,
        offered mechanisms: Set<String>
    ) async throws {
        if mechanisms.contains("PLAIN") {
            let token = Base64.encode(Array("\0\(credentials.username)\0\(credentials.password)".utf8))
            try await command("AUTH PLAIN \(token)", expecting: 235...235, logAs: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try await command("AUTH LOGIN", expecting: 334...334)
            try await command(Base64.encode(Array(credentials.username.utf8)), expecting: 334...334, logAs: "AUTH LOGIN")
            try await command(Base64.encode(Array(credentials.password.utf8)), expecting: 235...235, logAs: "AUTH LOGIN")
        } else {
            throw SMTPError.authenticationUnavailable
        }
    }

    @discardableResult
    private mutating func command(
        _ line: String,
        expecting codes: ClosedRange<Int>,
        logAs name: String? = nil
    ) async throws -> SMTPReply {
        try await send(line, logAs: name)
        let verb = name ?? String(line.prefix { $0 != " " && $0 != ":" })
        return try expect(await nextReply(), in: codes, for: verb)
    }

    private func send(_ line: String, logAs name: String? = nil) async throws {
        // Credentials never reach the log: AUTH lines are logged by their name only.
        logger.trace("smtp >", metadata: ["smtp.command": "\(name ?? line)"])
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
    }

    private mutating func nextReply() async throws -> SMTPReply {
        guard let reply = try await replies.next() else { throw SMTPError.connectionClosed }
        logger.trace("smtp <", metadata: ["smtp.reply": "\(reply)"])
        return reply
    }

    @discardableResult
    private func expect(_ reply: SMTPReply, in codes: ClosedRange<Int>, for command: String) throws -> SMTPReply {
        guard codes.contains(reply.code) else { throw SMTPError.rejected(command: command, reply: reply) }
        return reply
    }
}

/// A refusal after which the session cannot be trusted (the server accepted DATA for a
/// transaction the client abandoned): the caller gets `error`, the connection is closed.
struct SMTPAbandonedSession: Error {
    var error: SMTPError
}
