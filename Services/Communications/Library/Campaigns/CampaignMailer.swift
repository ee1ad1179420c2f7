import Foundation
import Logging
import SMTP
import ServiceKit

/// Turns a campaign's content and one recipient into the message: variables, tracking links and
/// pixel, the RFC 8058 List-Unsubscribe headers. Used by the sender and by test sends.
struct CampaignMailer: Sendable {
    let smtp: SMTPClient
    let from: EmailAddress
    let unsubscribeKey: UnsubscribeKey
    /// A path (`/v1/…`) as a link from a mail (`PUBLIC_URL`).
    let link: @Sendable (String) -> String
    let unsubscribeLifetime: Duration

    struct Recipient: Sendable {
        var email: String
        var userID: UUID?
        var name: String?
    }

    /// The message for `recipient`. With `sendID` (a real campaign mail) links are tracked, the
    /// pixel added and the send's id is the Message-ID's left part; without it (test sends,
    /// previews) links stay as written.
    func email(
        _ content: CampaignContent, fromName: String?, to recipient: Recipient, sendID: UUID?, subjectPrefix: String = "", now: Date,
        logger: Logger
    ) async throws -> Email {
        var variables = ["name": recipient.name ?? "", "email": recipient.email, "unsubscribe_url": ""]
        var headers: [(name: String, value: String)] = []
        if let user = recipient.userID {
            let token = UnsubscribeToken(
                userID: user, category: NotificationCategory.marketing.rawValue, expiresAt: now.addingTimeInterval(self.unsubscribeLifetime.inSeconds)
            )
            let url = self.link("/v1/communications/unsubscribe/\(token.signed(with: try await self.unsubscribeKey.key(logger: logger)))")
            variables["unsubscribe_url"] = url
            // RFC 8058 §3.1: both headers; a provider's one-click POST turns marketing mail off.
            headers = [(name: "List-Unsubscribe", value: "<\(url)>"), (name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click")]
        }
        var rendered: CampaignContent.Rendered
        if let sendID {
            let key = try await self.unsubscribeKey.key(logger: logger)
            let links = content.links.indices.map { index in
                self.link("/v1/communications/t/c/\(TrackingToken(sendID: sendID, linkIndex: index).signed(with: key))")
            }
            rendered = content.render(variables: variables, trackingLinks: links)
            let pixel =
                "<img src=\"\(self.link("/v1/communications/t/o/\(TrackingToken(sendID: sendID, linkIndex: nil).signed(with: key))"))\" width=\"1\" height=\"1\" alt=\"\" style=\"display:none\">"
            if let body = rendered.html.range(of: "</body>", options: [.caseInsensitive, .backwards]) {
                rendered.html.insert(contentsOf: pixel, at: body.lowerBound)
            } else {
                rendered.html += pixel
            }
            headers.append((name: "X-Entity-Ref-ID", value: sendID.uuidString.lowercased()))
        } else {
            rendered = content.render(variables: variables)
        }
        let sender = try EmailAddress(self.from.address, name: fromName ?? self.from.name)
        return Email(
            from: sender, to: [try EmailAddress(recipient.email, name: recipient.name)], subject: subjectPrefix + rendered.subject,
            textBody: rendered.text, htmlBody: rendered.html, extraHeaders: headers)
    }

    /// The Message-ID's left part of a campaign mail: the same for every attempt of one send, so
    /// a message sent again after a crash is recognisably the same message.
    static func messageID(_ sendID: UUID) -> String {
        "campaign-" + sendID.uuidString.lowercased()
    }
}
