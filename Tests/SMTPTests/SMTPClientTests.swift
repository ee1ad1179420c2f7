import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SMTP
import TestSupport
import Testing

/// The client against a real SMTP server (aiosmtpd, scripts/mail-sink.py) on loopback, in each
/// configuration a provider may present: plaintext, STARTTLS, implicit TLS, AUTH, refusals.
@Suite struct SMTPClientTests {
    let logger = Logger(label: "test.smtp")
    let sender = try! EmailAddress("hello@tract.example", name: "Tract")

    func configuration(
        port: Int,
        security: SMTPConfiguration.Security = .none,
        credentials: SMTPConfiguration.Credentials? = nil,
        trusting certificate: TestCertificate? = nil,
        exchangeTimeout: Duration = .seconds(20)
    ) throws -> SMTPConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let certificate { tls.trustRoots = .file(certificate.certificatePath) }
        return SMTPConfiguration(
            host: "127.0.0.1", port: port, security: security, credentials: credentials,
            heloName: "tract.example", tls: tls, exchangeTimeout: exchangeTimeout
        )
    }

    func welcome(to address: String) throws -> Email {
        Email(
            from: sender,
            to: [try EmailAddress(address, name: "Zoë Investor")],
            subject: "Vérifiez votre adresse — Tract",
            textBody: "Hello Zoë,\n.\nA line that starts with a dot: .env\nPrice = $1,000 \nEnd.",
            htmlBody: "<p>Hello Zoë,</p><p>Price = $1,000</p>",
            extraHeaders: [(name: "X-Entity-Ref-ID", value: "verify-42")]
        )
    }

    @Test func deliversAMessageThatAnotherParserReadsBackExactly() async throws {
        let sink = try MailSink()
        let client = try SMTPClient(configuration: configuration(port: sink.port))
        let receipt = try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        #expect(receipt.reply.code == 250)

        let mail = try #require(try sink.messages().first)
        #expect(mail.mailFrom == "hello@tract.example")
        #expect(mail.rcptTos == ["zoe@example.com"])
        #expect(mail.tls == false)
        #expect(mail.from == "Tract <hello@tract.example>")
        #expect(mail.to == "Zoë Investor <zoe@example.com>")
        #expect(mail.subject == "Vérifiez votre adresse — Tract")
        // Dot-stuffing and quoted-printable undone by Python give back the text byte for byte.
        #expect(mail.text == "Hello Zoë,\n.\nA line that starts with a dot: .env\nPrice = $1,000 \nEnd.")
        #expect(mail.html == "<p>Hello Zoë,</p><p>Price = $1,000</p>")
        #expect(mail.messageId == receipt.messageID)
        #expect(receipt.messageID.hasSuffix("@tract.example>"))
        #expect(mail.headers["x-entity-ref-id"] == "verify-42")
        #expect(mail.headers["mime-version"] == "1.0")
    }

    @Test func upgradesWithSTARTTLSAndAuthenticatesWithPLAIN() async throws {
        let certificate = try TestCertificate()
        let sink = try MailSink(options: ["--require-starttls", "--auth", "tract:s3cret"], tls: certificate)
        let client = try SMTPClient(
            configuration: configuration(
                port: sink.port, security: .startTLS,
                credentials: .init(username: "tract", password: "s3cret"), trusting: certificate
            )
        )
        try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        let mail = try #require(try sink.messages().first)
        #expect(mail.tls)
        #expect(mail.authenticatedAs == "tract")
    }

    @Test func fallsBackToAUTHLOGINWhenPLAINIsNotOffered() async throws {
        let certificate = try TestCertificate()
        let sink = try MailSink(options: ["--auth", "tract:s3cret", "--auth-exclude", "PLAIN"], tls: certificate)
        let client = try SMTPClient(
            configuration: configuration(
                port: sink.port, security: .startTLS,
                credentials: .init(username: "tract", password: "s3cret"), trusting: certificate
            )
        )
        try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        #expect(try sink.messages().first?.authenticatedAs == "tract")
    }

    @Test func speaksTLSFromTheFirstByte() async throws {
        let certificate = try TestCertificate()
        let sink = try MailSink(options: ["--implicit-tls"], tls: certificate)
        let client = try SMTPClient(configuration: configuration(port: sink.port, security: .tls, trusting: certificate))
        try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        #expect(try sink.messages().count == 1)
    }

    @Test func refusesAServerWhoseCertificateIsNotTrusted() async throws {
        let sink = try MailSink(tls: try TestCertificate())
        let client = try SMTPClient(configuration: configuration(port: sink.port, security: .startTLS))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        }
        guard case .connectionFailed(let reason) = error else {
            Issue.record("expected a TLS failure, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("TLS"))
        #expect(try sink.messages().isEmpty)
    }

    @Test func requiredSTARTTLSThatIsNotOfferedStopsBeforeAnyMailCommand() async throws {
        let sink = try MailSink()
        let client = try SMTPClient(configuration: configuration(port: sink.port, security: .startTLS))
        await #expect(throws: SMTPError.startTLSUnavailable) {
            try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        }
        #expect(try sink.messages().isEmpty)
    }

    @Test func credentialsAreNeverSentInTheClear() async throws {
        let sink = try MailSink(options: ["--auth", "tract:s3cret"])
        let client = try SMTPClient(
            configuration: configuration(port: sink.port, credentials: .init(username: "tract", password: "s3cret"))
        )
        await #expect(throws: SMTPError.insecureAuthentication) {
            try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        }
    }

    @Test func aWrongPasswordIsAPermanentRejection() async throws {
        let certificate = try TestCertificate()
        let sink = try MailSink(options: ["--auth", "tract:s3cret"], tls: certificate)
        let client = try SMTPClient(
            configuration: configuration(
                port: sink.port, security: .startTLS,
                credentials: .init(username: "tract", password: "wrong"), trusting: certificate
            )
        )
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        }
        guard case .rejected(let command, let reply) = error else {
            Issue.record("expected a rejection, got \(String(describing: error))")
            return
        }
        #expect(command == "AUTH PLAIN")
        #expect(reply.code == 535)
        #expect(error?.isTransient == false)
        #expect(!"\(error!)".contains("wrong"))
    }

    @Test(arguments: [
        ("452 4.2.2 Mailbox full", true),
        ("550 5.1.1 No such user", false),
    ])
    func refusedRecipientsSayWhetherToTryAgain(reply: String, transient: Bool) async throws {
        let sink = try MailSink(options: ["--refuse", "gone@example.com=\(reply)"])
        let client = try SMTPClient(configuration: configuration(port: sink.port))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(try welcome(to: "gone@example.com"), logger: logger)
        }
        guard case .rejected(let command, let received) = error else {
            Issue.record("expected a rejection, got \(String(describing: error))")
            return
        }
        #expect(command == "RCPT")
        #expect("\(received.code) \(received.lines.joined())" == reply)
        #expect(error?.isTransient == transient)
        #expect(try sink.messages().isEmpty)
    }

    @Test func aServerThatIsDownIsATransientFailure() async throws {
        let client = try SMTPClient(configuration: configuration(port: try await freePort()))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        }
        guard case .connectionFailed = error else {
            Issue.record("expected a connection failure, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
    }

    @Test func aServerThatNeverGreetsTimesOut() async throws {
        // Accepts connections and says nothing, like a stalled relay.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let client = try SMTPClient(
            configuration: configuration(port: silent.localAddress!.port!, exchangeTimeout: .milliseconds(300))
        )
        let started = ContinuousClock.now
        await #expect(throws: SMTPError.timedOut) {
            try await client.send(try welcome(to: "zoe@example.com"), logger: logger)
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
