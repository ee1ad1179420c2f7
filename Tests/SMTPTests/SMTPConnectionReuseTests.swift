import Logging
import NIOCore
import NIOPosix
import SMTP
import SMTPSink
import TestSupport
import Testing

/// Bulk mail over kept connections: many messages per connection, MAIL/RCPT/DATA pipelined when
/// the server offers PIPELINING, several connections at once, and a server that drops the
/// connection — mid-message or between messages — costing at most the message it was carrying.
@Suite struct SMTPConnectionReuseTests {
    let logger = Logger(label: "test.smtp")
    let sender = try! EmailAddress("hello@tract.example", name: "Tract")

    func client(port: Int, connections: Int = 4) throws -> SMTPClient {
        try SMTPClient(
            configuration: SMTPConfiguration(
                host: "127.0.0.1", port: port, security: .none, heloName: "tract.example", exchangeTimeout: .seconds(10),
                maximumConnections: connections))
    }

    func mail(_ index: Int) throws -> Email {
        Email(from: sender, to: [try EmailAddress("reader\(index)@example.com")], subject: "Issue \(index)", textBody: "Body \(index)\n.\nend")
    }

    @Test func messagesInSequenceShareOneConnectionAndGoPipelinedWhenOffered() async throws {
        let sink = try MailSink(options: ["--pipelining"])
        let client = try self.client(port: sink.port)
        for index in 0..<6 { try await client.send(try mail(index), logger: logger) }
        let mails = try sink.messages()
        #expect(mails.map(\.subject) == (0..<6).map { "Issue \($0)" })
        // Dot-stuffing undone by the server: the lone dot line is text, not the end.
        #expect(mails.map(\.text) == (0..<6).map { "Body \($0)\n.\nend\n" })
        // One connection carried them all.
        #expect(Set(mails.compactMap(\.peer)).count == 1)
    }

    @Test func concurrentMessagesUseUpToTheConfiguredConnections() async throws {
        let sink = try await CountingSMTPSink()
        let client = try self.client(port: sink.port, connections: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 { group.addTask { try await client.send(try mail(index), logger: logger) } }
            try await group.waitForAll()
        }
        #expect(sink.count == 300)
        #expect(Set(sink.messages.flatMap(\.recipients)).count == 300)
        // More than one at once, never more than allowed, and each connection used many times.
        #expect(sink.connections >= 2 && sink.connections <= 3, "\(sink.connections) connections")
        #expect(Set(sink.messages.map(\.connection)).count == sink.connections)
        await sink.close()
    }

    @Test func withoutPipeliningEachCommandWaitsForItsReply() async throws {
        let sink = try await CountingSMTPSink(pipelining: false)
        let client = try self.client(port: sink.port, connections: 1)
        for index in 0..<5 { try await client.send(try mail(index), logger: logger) }
        #expect(sink.messages.map(\.recipients) == (0..<5).map { ["reader\($0)@example.com"] })
        #expect(sink.connections == 1)
        await sink.close()
    }

    @Test func aServerDroppingTheConnectionMidMessageFailsThatMessageOnlyAndTheNextReconnects() async throws {
        let sink = try MailSink(options: ["--pipelining", "--drop-every", "3"])
        let client = try self.client(port: sink.port, connections: 1)
        var outcomes: [String] = []
        for index in 0..<5 {
            do {
                try await client.send(try mail(index), logger: logger)
                outcomes.append("sent")
            } catch let error as SMTPError {
                // The message's data was out: it may have arrived, so it is not sent again blindly.
                #expect(error == .connectionClosed)
                #expect(error.isTransient)
                outcomes.append("failed")
            }
        }
        #expect(outcomes == ["sent", "sent", "failed", "sent", "sent"])
        let mails = try sink.messages()
        #expect(mails.map(\.subject) == ["Issue 0", "Issue 1", "Issue 3", "Issue 4"])
        #expect(Set(mails.compactMap(\.peer)).count == 2, "a new connection after the drop")
    }

    @Test func aConnectionTheServerClosedBetweenMessagesIsReplacedWithoutLosingTheNext() async throws {
        let sink = try MailSink(options: ["--close-after", "2"])
        let client = try self.client(port: sink.port, connections: 1)
        for index in 0..<5 {
            try await client.send(try mail(index), logger: logger)
            try await Task.sleep(for: .milliseconds(100))
        }
        let mails = try sink.messages()
        #expect(mails.map(\.subject) == (0..<5).map { "Issue \($0)" })
        #expect(Set(mails.compactMap(\.peer)).count == 3)
    }

    @Test func aRefusedRecipientFailsItsMessageAndTheSessionGoesOn() async throws {
        let sink = try MailSink(options: ["--pipelining", "--refuse", "reader1@example.com=550 5.1.1 No such user"])
        let client = try self.client(port: sink.port, connections: 1)
        try await client.send(try mail(0), logger: logger)
        await #expect(throws: SMTPError.self) { try await client.send(try mail(1), logger: logger) }
        try await client.send(try mail(2), logger: logger)
        let mails = try sink.messages()
        #expect(mails.map(\.subject) == ["Issue 0", "Issue 2"])
        #expect(Set(mails.compactMap(\.peer)).count == 1, "the refusal did not cost the connection")
    }
}
