import Foundation
import Testing

@testable import SMTP

/// The pure parts: reply grammar, header and body encodings, dot-stuffing, input checks.
@Suite struct MessageEncodingTests {
    @Test func multiLineRepliesArriveWhole() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.consume("250-mail.example greets you") == nil)
        #expect(try parser.consume("250-STARTTLS") == nil)
        #expect(try parser.consume("250-AUTH=LOGIN") == nil)
        let reply = try #require(try parser.consume("250 AUTH PLAIN LOGIN XOAUTH2"))
        #expect(reply.code == 250)
        #expect(reply.lines == ["mail.example greets you", "STARTTLS", "AUTH=LOGIN", "AUTH PLAIN LOGIN XOAUTH2"])
        #expect(reply.advertises("STARTTLS"))
        #expect(!reply.advertises("SIZE"))
        #expect(reply.authenticationMechanisms == ["LOGIN", "PLAIN", "XOAUTH2"])
        // The parser starts afresh after a complete reply.
        #expect(try parser.consume("354") == SMTPReply(code: 354, lines: [""]))
    }

    @Test func malformedRepliesAreRefused() {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Failure.self) { try parser.consume("hello") }
        var changing = SMTPReplyParser()
        _ = try? changing.consume("250-first")
        #expect(throws: SMTPReplyParser.Failure.codeChangedMidReply) { try changing.consume("550 second") }
        var endless = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.Failure.tooManyLines) {
            for _ in 0...SMTPReplyParser.maximumLines { _ = try endless.consume("250-again") }
        }
    }

    @Test func quotedPrintableKeepsLinesShortAndBytesSafe() {
        let long = String(repeating: "0123456789", count: 20)
        let encoded = QuotedPrintable.encode("Grüße = \(long)\nend with space \n.leading dot\r\nlast")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.first?.hasPrefix("Gr=C3=BC=C3=9Fe =3D 0123") == true)
        #expect(encoded.contains("end with space=20\r\n"))
        #expect(encoded.contains("\r\n=2Eleading dot\r\n"))
        #expect(encoded.hasSuffix("\r\nlast"))
        #expect(encoded.utf8.allSatisfy { $0 < 128 })
        // Soft breaks only: removing them gives back the long run of digits.
        #expect(encoded.replacingOccurrences(of: "=\r\n", with: "").contains(long))
    }

    @Test func nonASCIISubjectsBecomeEncodedWordsOfLegalLength() throws {
        let subject = String(repeating: "Vérifiez votre adresse — ", count: 6)
        let encoded = try HeaderEncoding.unstructured(subject, name: "Subject")
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") && $0.utf8.count <= 75 })
        #expect(try HeaderEncoding.unstructured("Confirm your email", name: "Subject") == "Confirm your email")
    }

    @Test func lineBreaksInHeadersAreRefused() throws {
        let from = try EmailAddress("hello@tract.example")
        var email = Email(from: from, to: [from], subject: "Hi\r\nBcc: victim@example.com", textBody: "x")
        #expect(throws: SMTPError.invalidHeader(name: "Subject")) {
            try MIMEMessage(email: email, date: 0, uniqueID: "id").render()
        }
        email.subject = "Hi"
        email.extraHeaders = [(name: "X-Ref", value: "1\nBcc: victim@example.com")]
        #expect(throws: SMTPError.invalidHeader(name: "X-Ref")) {
            try MIMEMessage(email: email, date: 0, uniqueID: "id").render()
        }
        email.extraHeaders = [(name: "Bcc", value: "victim@example.com")]
        #expect(throws: SMTPError.invalidHeader(name: "Bcc")) {
            try MIMEMessage(email: email, date: 0, uniqueID: "id").render()
        }
        #expect(throws: SMTPError.invalidHeader(name: "display name")) {
            try EmailAddress("a@example.com", name: "Eve\r\nBcc: victim@example.com")
        }
    }

    @Test(arguments: [
        "", "plain", "@example.com", "user@", "a@b@c", "a b@example.com", "a@example.com>",
        "<a@example.com", "a@example.com\r\nRCPT TO:<b@example.com", "ünï@example.com",
    ])
    func addressesThatCouldChangeAnEnvelopeAreRefused(address: String) {
        #expect(throws: SMTPError.invalidAddress(address)) { try EmailAddress(address) }
    }

    @Test func datesFollowRFC5322() {
        #expect(MIMEMessage.rfc5322Date(0) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MIMEMessage.rfc5322Date(1_795_338_245) == "Sun, 22 Nov 2026 09:04:05 +0000")
        #expect(MIMEMessage.rfc5322Date(951_782_400) == "Tue, 29 Feb 2000 00:00:00 +0000")
    }

    @Test func dotStuffingDoublesLeadingDotsAndTerminates() {
        let payload = String(decoding: DotStuffing.payload("Subject: x\r\n\r\n.\r\n..two\r\nend\r\n"), as: UTF8.self)
        #expect(payload == "Subject: x\r\n\r\n..\r\n...two\r\nend\r\n.\r\n")
    }

    @Test func alternativePartsShareOneBoundary() throws {
        let from = try EmailAddress("hello@tract.example", name: "Tract")
        let email = Email(
            from: from, to: [try EmailAddress("ana@example.com", name: "Ana Núñez")],
            subject: "Welcome", textBody: "Hi", htmlBody: "<p>Hi</p>"
        )
        let rendered = try MIMEMessage(email: email, date: 0, uniqueID: "abc123").render()
        #expect(rendered.contains("From: \"Tract\" <hello@tract.example>\r\n"))
        #expect(rendered.contains("To: =?utf-8?B?"))
        #expect(rendered.contains("Message-ID: <abc123@tract.example>\r\n"))
        #expect(rendered.contains("Content-Type: multipart/alternative; boundary=\"=_tract_abc123\"\r\n"))
        #expect(rendered.components(separatedBy: "--=_tract_abc123\r\n").count == 3)
        #expect(rendered.hasSuffix("--=_tract_abc123--\r\n"))
    }
}
