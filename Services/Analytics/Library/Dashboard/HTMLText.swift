import Foundation

/// Text going into the dashboard's HTML or SVG. Event names, sources and properties are what
/// clients sent, so every piece of text is escaped at the point it is written, in one place.
enum HTMLText {
    /// Escapes for element content and double- or single-quoted attribute values alike.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            // Control characters other than tab and newline are not allowed in HTML text.
            case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A label cut to `limit` characters (with an ellipsis) before escaping, so one long source
    /// name cannot push a chart apart.
    static func short(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(limit - 1, 1))) + "…"
    }
}

/// Numbers as people read them on the dashboard.
enum NumberText {
    /// 950, 12,400, 1.2M: whole numbers with separators up to a million, then compact.
    static func count(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let magnitude = abs(value)
        if magnitude >= 1e12 { return self.compact(value / 1e12, "T") }
        if magnitude >= 1e9 { return self.compact(value / 1e9, "B") }
        if magnitude >= 1e6 { return self.compact(value / 1e6, "M") }
        return self.grouped(Int(value.rounded()))
    }

    static func count(_ value: Int) -> String { self.count(Double(value)) }

    /// Short axis labels: 0, 250, 1.5k, 2M.
    static func axis(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let magnitude = abs(value)
        if magnitude >= 1e12 { return self.compact(value / 1e12, "T") }
        if magnitude >= 1e9 { return self.compact(value / 1e9, "B") }
        if magnitude >= 1e6 { return self.compact(value / 1e6, "M") }
        if magnitude >= 1e4 { return self.compact(value / 1e3, "k") }
        if value == value.rounded() { return self.grouped(Int(value)) }
        return String(format: "%.1f", value)
    }

    /// A share as a percentage: 0.4567 → "45.7%"; whole numbers lose the decimal ("100%").
    static func percent(_ share: Double) -> String {
        guard share.isFinite else { return "–" }
        let value = (share * 1000).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    private static func compact(_ value: Double, _ suffix: String) -> String {
        let rounded = (value * 10).rounded() / 10
        return (rounded == rounded.rounded() ? "\(Int(rounded))" : String(format: "%.1f", rounded)) + suffix
    }
}
