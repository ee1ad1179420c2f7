import Foundation
import Logging
import SMTP
import TestSupport
import Testing

/// A long List-Unsubscribe (RFC 8058) reaches the server as the URI it is: encoded words are only
/// for unstructured text (RFC 2047 §5), and a mail client would not find the link inside one.
@Suite struct StructuredHeaderTests {
    @Test func aLongListUnsubscribeHeaderIsSentAsIs() async throws {
        let sink = try MailSink()
        let client = try SMTPClient(
            configuration: SMTPConfiguration(host: "127.0.0.1", port: sink.port, security: .none, heloName: "tract.example"))
        let url = "<https://app.tract.example/v1/communications/unsubscribe/" + String(repeating: "A1b2", count: 40) + ">"
        try await client.send(
            Email(
                from: try EmailAddress("news@tract.example"), to: [try EmailAddress("ann@example.com")], subject: "News", textBody: "Hi",
                extraHeaders: [(name: "List-Unsubscribe", value: url), (name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")]),
            logger: Logger(label: "test.smtp"))
        let raw = String(decoding: try #require(try sink.rawMessages().first), as: UTF8.self)
        #expect(raw.contains("\r\nList-Unsubscribe: \(url)\r\n"))
        #expect(try sink.messages().first?.headers["list-unsubscribe"] == url)
        // A value with a line break is still refused rather than sent.
        await #expect(throws: SMTPError.invalidHeader(name: "List-Unsubscribe")) {
            try await client.send(
                Email(
                    from: try EmailAddress("news@tract.example"), to: [try EmailAddress("ann@example.com")], subject: "News", textBody: "Hi",
                    extraHeaders: [(name: "List-Unsubscribe", value: "<https://x>\r\nBcc: victim@example.com")]),
                logger: Logger(label: "test.smtp"))
        }
    }
}
