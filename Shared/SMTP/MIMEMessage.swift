/// Renders an `Email` as an RFC 5322 message with MIME parts. Pure: the date, Message-ID and
/// boundary come in, so the output is predictable in tests.
struct MIMEMessage {
    var email: Email
    /// Seconds since 1970, rendered in UTC.
    var date: Int64
    /// Random and unique per message; becomes the Message-ID's left part and the part boundary.
    var uniqueID: String

    var messageID: String { "<\(uniqueID)@\(email.from.domain)>" }

    func render() throws(SMTPError) -> String {
        var headers: [(String, String)] = [
            ("Date", Self.rfc5322Date(date)),
            ("From", email.from.headerValue),
            ("To", email.to.map(\.headerValue).joined(separator: ",\r\n ")),
        ]
        if let replyTo = email.replyTo { headers.append(("Reply-To", replyTo.headerValue)) }
        headers.append(("Subject", try HeaderEncoding.unstructured(email.subject, name: "Subject")))
        headers.append(("Message-ID", messageID))
        for (name, value) in email.extraHeaders {
            try Self.checkHeaderName(name)
            headers.append((name, try HeaderEncoding.extra(value, name: name)))
        }
        headers.append(("MIME-Version", "1.0"))

        let text = QuotedPrintable.encode(email.textBody)
        var body: String
        if let html = email.htmlBody {
            let boundary = "=_tract_\(uniqueID)"  // "=_" cannot occur in quoted-printable output
            headers.append(("Content-Type", "multipart/alternative; boundary=\"\(boundary)\""))
            body = """
                --\(boundary)\r
                \(Self.partHeaders("text/plain"))\r
                \r
                \(text)\r
                --\(boundary)\r
                \(Self.partHeaders("text/html"))\r
                \r
                \(QuotedPrintable.encode(html))\r
                --\(boundary)--\r

                """
        } else {
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
            headers.append(("Content-Transfer-Encoding", "quoted-printable"))
            body = text + "\r\n"
        }
        return headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n" + body
    }

    private static func partHeaders(_ type: String) -> String {
        "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable"
    }

    /// RFC 5322 §2.2: printable ASCII except the colon.
    private static func checkHeaderName(_ name: String) throws(SMTPError) {
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else {
            throw .invalidHeader(name: name)
        }
        let reserved: Set<String> = [
            "date", "from", "to", "cc", "bcc", "reply-to", "subject", "message-id", "mime-version",
            "content-type", "content-transfer-encoding", "sender", "return-path",
        ]
        guard !reserved.contains(name.lowercased()) else { throw .invalidHeader(name: name) }
    }

    /// `Sun, 22 Nov 2026 09:05:00 +0000` (RFC 5322 §3.3), computed without a locale.
    static func rfc5322Date(_ secondsSince1970: Int64) -> String {
        let days = secondsSince1970 >= 0 ? secondsSince1970 / 86_400 : (secondsSince1970 - 86_399) / 86_400
        let secondOfDay = secondsSince1970 - days * 86_400
        // Civil date from a day count: Howard Hinnant's days_from_civil, inverted.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = Int((days % 7 + 11) % 7)  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func twoDigits(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(twoDigits(day)) \(months[Int(month) - 1]) \(year) "
            + "\(twoDigits(secondOfDay / 3600)):\(twoDigits(secondOfDay / 60 % 60)):\(twoDigits(secondOfDay % 60)) +0000"
    }
}

/// The DATA payload (RFC 5321 §4.5.2): CRLF line ends, a dot doubled at the start of any line,
/// and the terminating `CRLF.CRLF`.
enum DotStuffing {
    static func payload(_ message: String) -> [UInt8] {
        let bytes = Array(message.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        let lines = QuotedPrintable.lineRanges(of: bytes)
        for (index, line) in lines.enumerated() {
            // The rendered message ends with CRLF, which leaves one empty last line: not a line.
            if index == lines.count - 1 && line.isEmpty { break }
            if bytes[line].first == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            output += bytes[line]
            output += [13, 10]
        }
        output += Array(".\r\n".utf8)
        return output
    }
}
