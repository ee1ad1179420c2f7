import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Bounces that come back by mail: RFC 3464 DSNs and RFC 5965 abuse reports in the local bounce
/// Maildir are recorded like a provider's reports, once.
@Suite struct BounceMailboxTests {
    /// A Postfix-style DSN for two recipients: one permanent failure, one delay (not a bounce), and
    /// a second permanent failure with a 4.x.x status (a soft bounce).
    static let dsn = """
        Return-Path: <>
        Date: Sun, 06 Dec 2026 10:00:00 +0000 (UTC)
        From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: bounces@tract.example
        Message-Id: <20261206100000.ABC@mx.example.net>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        \tboundary="B0UND/ARY"

        This is a MIME-encapsulated message.

        --B0UND/ARY
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        I'm sorry to have to inform you that your message could not be delivered.

        --B0UND/ARY
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.example.net
        Arrival-Date: Sun,  6 Dec 2026 09:59:58 +0000 (UTC)

        Final-Recipient: rfc822; Ann@Example.com
        Original-Recipient: rfc822;Ann@Example.com
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mail.example.com
        Diagnostic-Code: smtp; 550 5.1.1 <Ann@Example.com>: Recipient address
            rejected: User unknown

        Final-Recipient: rfc822; bob@example.com
        Action: delayed
        Status: 4.4.1

        Final-Recipient: rfc822; cat@example.com
        Action: failed
        Status: 4.2.2
        Diagnostic-Code: smtp; 452 4.2.2 Mailbox full

        --B0UND/ARY
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        From: Tract <no-reply@tract.example>
        To: Ann@Example.com
        Subject: Our December update
        Message-ID: <campaign.42@tract.example>

        --B0UND/ARY--
        """

    static let abuse = """
        From: feedback@isp.example
        Date: Sun, 06 Dec 2026 11:00:00 +0000
        Message-ID: <fbl-77@isp.example>
        Content-Type: multipart/report; report-type=feedback-report; boundary="fbl"

        --fbl
        Content-Type: text/plain

        This is an email abuse report.

        --fbl
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Rcpt-To: <dan@example.com>

        --fbl
        Content-Type: text/rfc822-headers

        Message-ID: <campaign.43@tract.example>

        --fbl--
        """

    @Test func aDSNAndAnAbuseReportReadAsBounceReports() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let reports = DeliveryStatusNotification.reports(in: Self.dsn.replacingOccurrences(of: "\n", with: "\r\n"), fallbackID: "f", receivedAt: now)
        #expect(reports.map(\.email) == ["ann@example.com", "cat@example.com"])
        #expect(reports.map(\.kind) == [.hard, .soft])
        #expect(reports.map(\.providerMessageID) == ["campaign.42@tract.example", "campaign.42@tract.example"])
        #expect(reports.first?.eventID == "20261206100000.ABC@mx.example.net/ann@example.com")
        #expect(reports.first?.diagnostic == "smtp; 550 5.1.1 <Ann@Example.com>: Recipient address rejected: User unknown")
        #expect(reports.first?.occurredAt == RFC3339.date(from: "2026-12-06T10:00:00Z"))
        let complaint = DeliveryStatusNotification.reports(in: Self.abuse, fallbackID: "f", receivedAt: now)
        #expect(complaint.map(\.kind) == [.complaint])
        #expect(complaint.map(\.email) == ["dan@example.com"])
        #expect(complaint.first?.providerMessageID == "campaign.43@tract.example")
        // Not reports: nothing, never a crash.
        for text in ["", "Subject: hi\n\nhello", "Content-Type: multipart/report; boundary=x\n\n--x\n", String(repeating: "--", count: 1000)] {
            #expect(DeliveryStatusNotification.reports(in: text, fallbackID: "f", receivedAt: now).isEmpty)
        }
    }

    @Test func theMailboxIsReadOnceIntoBouncesAndSuppressions() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bounce-maildir-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("new"), withIntermediateDirectories: true)
        try await WebinarFixture.run(bounceMaildir: folder) { fixture in
            _ = try await fixture.sql(
                """
                INSERT INTO communications.email_sends (id, requested_by, idempotency_key, template_key, to_email, from_email, status,
                    provider_message_id, sent_at)
                VALUES (gen_random_uuid(), 'campaign', 'k-42', 'campaign', 'ann@example.com', 'no-reply@tract.example', 'sent',
                        '<campaign.42@tract.example>', now())
                """)
            try Data(Self.dsn.utf8).write(to: folder.appendingPathComponent("new/1765015200.M1P1.mx"))
            try Data(Self.abuse.utf8).write(to: folder.appendingPathComponent("new/1765015201.M2P1.mx"))
            try Data("Subject: hello\n\nnot a report".utf8).write(to: folder.appendingPathComponent("new/1765015202.M3P1.mx"))
            try await WebinarReminderTests.eventually {
                (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path))?.isEmpty == true
            }
            #expect(
                try await fixture.sql("SELECT email || ' ' || kind FROM communications.email_bounces WHERE provider = 'dsn' ORDER BY email")
                    == ["ann@example.com hard", "cat@example.com soft", "dan@example.com complaint"])
            #expect(
                try await fixture.sql("SELECT email || ' ' || reason FROM communications.email_suppressions ORDER BY email")
                    == ["ann@example.com hard_bounce", "dan@example.com complaint"])
            #expect(try await fixture.sql("SELECT status FROM communications.email_sends") == ["bounced"])
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("cur").path).count == 3)
            // The same DSN delivered again (a crash before the move) changes nothing.
            try Data(Self.dsn.utf8).write(to: folder.appendingPathComponent("new/1765015203.M4P1.mx"))
            try await WebinarReminderTests.eventually {
                (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("new").path))?.isEmpty == true
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.email_bounces") == ["3"])
        }
    }
}
