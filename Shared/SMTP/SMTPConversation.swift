import Logging
import NIOCore
import NIOSSL

/// One mail transaction on an open connection, command by command (RFC 5321 §3, §4.1).
struct SMTPConversation {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    let logger: Logger

    mutating func deliver(
        message: String,
        email: Email,
        configuration: SMTPConfiguration,
        sslContext: NIOSSLContext
    ) async throws -> SMTPReply {
        try expect(await nextReply(), in: 220...220, for: "greeting")
        var capabilities = try await hello(configuration.heloName)

        if configuration.security == .startTLS {
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

        let payload = DotStuffing.payload(message)
        let size = capabilities.advertises("SIZE") ? " SIZE=\(payload.count)" : ""
        try await command("MAIL FROM:<\(email.from.address)>\(size)", expecting: 250...250)
        for recipient in email.to {
            try await command("RCPT TO:<\(recipient.address)>", expecting: 250...251)
        }
        try await command("DATA", expecting: 354...354)
        try await outbound.write(ByteBuffer(bytes: payload))
        let accepted = try expect(await nextReply(), in: 250...250, for: "message")
        logger.debug("smtp message accepted", metadata: ["smtp.reply": "\(accepted)"])
        _ = try? await command("QUIT", expecting: 221...221)
        return accepted
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
