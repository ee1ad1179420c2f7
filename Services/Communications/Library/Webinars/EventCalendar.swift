import Foundation
import Models

/// An iCalendar file (RFC 5545) holding one event, for a registrant's calendar. Pure.
///
/// UID is the event's, so a second download after the host moved the event replaces the first
/// (with a higher SEQUENCE) instead of adding a copy. Times are UTC (`…Z`, RFC 5545 §3.3.5 form #2),
/// which every client reads without a VTIMEZONE; the host's zone travels as X-WR-TIMEZONE.
struct EventCalendar: Sendable, Equatable {
    var eventID: UUID
    var title: String
    var description: String?
    var startsAt: Date
    var endsAt: Date
    var timeZone: String
    var venue: String?
    var virtualURL: String?
    var cancelled: Bool
    var sequence: Int
    /// DTSTAMP: when this file was made.
    var stampedAt: Date
    /// The event's page, for clients that show a link.
    var pageURL: String?

    /// The file, CRLF line ends, lines folded at 75 octets.
    var text: String {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Tract//Events//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "BEGIN:VEVENT",
            "UID:\(self.eventID.uuidString.lowercased())@events.tract",
            "DTSTAMP:\(Self.utc(self.stampedAt))",
            "DTSTART:\(Self.utc(self.startsAt))",
            "DTEND:\(Self.utc(self.endsAt))",
            "SEQUENCE:\(self.sequence)",
            "STATUS:\(self.cancelled ? "CANCELLED" : "CONFIRMED")",
            "SUMMARY:\(Self.escape(self.title))",
        ]
        var description = self.description ?? ""
        if let virtualURL = self.virtualURL { description += (description.isEmpty ? "" : "\n\n") + "Join: \(virtualURL)" }
        if !description.isEmpty { lines.append("DESCRIPTION:\(Self.escape(description))") }
        // LOCATION is the place; a webinar's place is its link, which is also its URL.
        if let location = self.venue ?? self.virtualURL { lines.append("LOCATION:\(Self.escape(location))") }
        if let url = self.virtualURL ?? self.pageURL { lines.append("URL:\(url)") }
        lines.append("X-WR-TIMEZONE:\(self.timeZone)")
        lines += ["END:VEVENT", "END:VCALENDAR"]
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20260301T150000Z`.
    static func utc(_ date: Date) -> String {
        // RFC3339 gives `2026-03-01T15:00:00.000000Z`; iCalendar wants the basic form, whole seconds.
        let text = RFC3339.string(from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
        let digits = text.prefix(19).filter { $0 != "-" && $0 != ":" }
        return digits + "Z"
    }

    /// RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma escaped, line breaks as `\n`.
    static func escape(_ text: String) -> String {
        var escaped = ""
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\r": escaped += "\\n"
            case "\n": if !previousWasCR { escaped += "\\n" }
            default:
                // Other controls are not allowed in TEXT (§3.1: CONTROL); a tab becomes a space.
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += scalar == "\t" ? " " : ""
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
            previousWasCR = scalar == "\r"
        }
        return escaped
    }

    /// RFC 5545 §3.1: lines longer than 75 octets are split, each continuation starting with one
    /// space (which counts), never inside a UTF-8 sequence.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > 75 else { return line }
        var folded = ""
        var octets = 0
        for character in line.unicodeScalars {
            let size = String(character).utf8.count
            if octets + size > 75 {
                folded += "\r\n "
                octets = 1
            }
            folded.unicodeScalars.append(character)
            octets += size
        }
        return folded
    }
}
