import Foundation

/// Reads the bounce and complaint reports a mail server sends back to the envelope sender: RFC
/// 3464 delivery status notifications (`multipart/report; report-type=delivery-status`) and RFC
/// 5965 abuse reports (`report-type=feedback-report`), into the provider-neutral `BounceReport`s
/// the HTTP intake takes. Pure and tolerant: anything it cannot read is no report, never a crash.
enum DeliveryStatusNotification {
    /// A report's parts are small; a mailbox file larger than this is not one of ours to read.
    static let maximumSize = 1 << 20

    /// The reports in one message (one per failed recipient); empty when it is not a report.
    /// `fallbackID` names the message when it has no `Message-ID` (its file name).
    static func reports(in raw: String, fallbackID: String, receivedAt: Date) -> [BounceReport] {
        guard raw.utf8.count <= Self.maximumSize else { return [] }
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let (headers, body) = Self.split(text)
        guard let contentType = headers["content-type"], contentType.lowercased().hasPrefix("multipart/report"),
            let boundary = Self.parameter("boundary", in: contentType)
        else { return [] }
        let reportType = Self.parameter("report-type", in: contentType)?.lowercased() ?? ""
        let parts = Self.parts(of: body, boundary: boundary)
        let messageID = headers["message-id"].map(Self.bareID) ?? fallbackID
        let occurredAt = headers["date"].flatMap(Self.date) ?? receivedAt
        // The original message's id, from its headers returned in the report.
        var originalID: String?
        for (partHeaders, content) in parts {
            let type = partHeaders["content-type"]?.lowercased() ?? ""
            if type.hasPrefix("text/rfc822-headers") || type.hasPrefix("message/rfc822") {
                originalID = Self.split(content).headers["message-id"].map(Self.bareID)
            }
        }
        switch reportType {
        case "delivery-status":
            guard let status = parts.first(where: { $0.headers["content-type"]?.lowercased().hasPrefix("message/delivery-status") == true })
            else { return [] }
            return Self.recipientBlocks(status.content).compactMap { fields -> BounceReport? in
                // Only failures: `delayed`, `delivered`, `relayed` and `expanded` are not bounces.
                guard fields["action"]?.lowercased() == "failed", let recipient = fields["final-recipient"].flatMap(Self.address) else {
                    return nil
                }
                let permanent = fields["status"]?.hasPrefix("5") ?? true
                return BounceReport(
                    eventID: Self.eventID(messageID, recipient), kind: permanent ? .hard : .soft, email: recipient, providerMessageID: originalID,
                    diagnostic: (fields["diagnostic-code"] ?? fields["status"]).map { String($0.prefix(BounceReport.maximumDiagnostic)) },
                    occurredAt: occurredAt)
            }
        case "feedback-report":
            guard let feedback = parts.first(where: { $0.headers["content-type"]?.lowercased().hasPrefix("message/feedback-report") == true })
            else { return [] }
            let fields = Self.split(feedback.content).headers
            guard let recipient = fields["original-rcpt-to"].flatMap(Self.address) else { return [] }
            return [
                BounceReport(
                    eventID: Self.eventID(messageID, recipient), kind: .complaint, email: recipient, providerMessageID: originalID,
                    diagnostic: fields["feedback-type"].map { "feedback-type: \($0)" }, occurredAt: occurredAt)
            ]
        default:
            return []
        }
    }

    /// A report's id: the report message and the recipient (a DSN may name several), within the column's 255.
    static func eventID(_ messageID: String, _ recipient: String) -> String {
        String("\(messageID)/\(recipient)".prefix(255))
    }

    /// Headers (names lower-cased, folded lines joined; the first of a repeated name wins) and the body.
    static func split(_ text: String) -> (headers: [String: String], body: String) {
        var headers: [String: String] = [:]
        var lastName: String?
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)[...]
        while let line = lines.popFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            if line.first == " " || line.first == "\t", let name = lastName {
                headers[name, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            if headers[name] == nil {
                headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                lastName = name
            } else {
                lastName = nil
            }
        }
        return (headers, lines.joined(separator: "\n"))
    }

    /// The per-recipient field blocks of a `message/delivery-status` body (the first block is
    /// per-message; the rest are per-recipient, separated by blank lines).
    static func recipientBlocks(_ content: String) -> [[String: String]] {
        var blocks: [[String: String]] = []
        var rest = content
        while !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            while rest.hasPrefix("\n") { rest.removeFirst() }
            let (fields, remainder) = Self.split(rest)
            if !fields.isEmpty { blocks.append(fields) }
            if remainder == rest { break }
            rest = remainder
        }
        return blocks.filter { $0["final-recipient"] != nil }
    }

    static func parts(of body: String, boundary: String) -> [(headers: [String: String], content: String)] {
        body.components(separatedBy: "--\(boundary)").dropFirst().compactMap { chunk in
            guard !chunk.hasPrefix("--") else { return nil }
            let trimmed = chunk.hasPrefix("\n") ? String(chunk.dropFirst()) : chunk
            let (headers, content) = Self.split(trimmed)
            return (headers, content)
        }
    }

    /// `boundary="abc"` or `boundary=abc` of a header value.
    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    /// `rfc822; Ann@Example.com` → `ann@example.com`.
    static func address(_ value: String) -> String? {
        let address = (value.split(separator: ";", maxSplits: 1).last.map(String.init) ?? value)
            .trimmingCharacters(in: CharacterSet(charactersIn: " <>\t")).lowercased()
        return BounceReport.isAddress(address) && address.count <= 255 ? address : nil
    }

    static func bareID(_ value: String) -> String {
        String(value.trimmingCharacters(in: CharacterSet(charactersIn: " <>\t")).prefix(255))
    }

    /// RFC 5322 `Date:` (`Sun, 06 Dec 2026 10:00:00 +0000`), with or without the weekday.
    static func date(_ value: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z"] {
            formatter.dateFormat = format
            let cleaned = value.replacingOccurrences(of: #"\s*\(.*\)$"#, with: "", options: .regularExpression)
            if let date = formatter.date(from: cleaned) { return date }
        }
        return nil
    }
}
