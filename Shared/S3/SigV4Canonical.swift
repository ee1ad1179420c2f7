import Foundation

/// The canonical forms SigV4 hashes: encoding, path, query, headers and timestamps.
///
/// Written out by hand rather than with Foundation's percent-encoding or date formatters because
/// the rules are AWS's, not RFC 3986's or the locale's: exactly `A–Z a–z 0–9 - _ . ~` stay as they
/// are, every other byte of the UTF-8 becomes `%XX` in upper case, and a space is never `+`.
enum SigV4Canonical {
    /// Percent-encodes `text` per AWS's `UriEncode`, keeping `/` only when asked (object keys).
    static func encode(_ text: some StringProtocol, keepingSlash: Bool = false) -> String {
        var encoded = [UInt8]()
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                encoded.append(byte)
            } else {
                encoded.append(UInt8(ascii: "%"))
                encoded.append(hexDigits[Int(byte >> 4)])
                encoded.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// The canonical URI for S3: each path segment decoded once and re-encoded once. S3, unlike
    /// other services, does not normalise `.`/`..` or double-encode, so `a%2Fb` stays one segment.
    static func path(of url: URL) throws(SigV4Error) -> String {
        let raw = url.path(percentEncoded: true)
        guard !raw.isEmpty else { return "/" }
        var segments = [String]()
        for segment in raw.split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = String(segment).removingPercentEncoding else {
                throw .invalidURL("malformed percent-escape in path segment \(segment.debugDescription)")
            }
            segments.append(encode(decoded))
        }
        return segments.joined(separator: "/")
    }

    /// The URL's query as decoded name–value pairs in their original order. A name without `=`
    /// has the empty value, as AWS canonicalises it.
    static func queryItems(of url: URL) throws(SigV4Error) -> [(name: String, value: String)] {
        guard let query = url.query(percentEncoded: true), !query.isEmpty else { return [] }
        var items = [(name: String, value: String)]()
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts[0].removingPercentEncoding,
                let value = (parts.count > 1 ? String(parts[1]) : "").removingPercentEncoding
            else {
                throw .invalidURL("malformed percent-escape in query item \(pair.debugDescription)")
            }
            items.append((name, value))
        }
        return items
    }

    /// `name=value` pairs, each side encoded, sorted by encoded name and then encoded value.
    static func query(_ items: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = items.map { item in
            (name: encode(item.name), value: encode(item.value))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { item in item.name + "=" + item.value }.joined(separator: "&")
    }

    /// Lowercased, trimmed names mapped to their values, each trimmed with inner runs of
    /// whitespace folded to one space; a repeated header's values joined with `,` in order.
    static func headers(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        var values = [String: [String]]()
        for header in headers {
            let name = header.name.trimmingCharacters(in: .whitespaces).lowercased()
            let value = header.value.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            values[name, default: []].append(value)
        }
        return values.keys.sorted().map { name in (name, values[name, default: []].joined(separator: ",")) }
    }

    /// The `Host` header a client sends for `url`: the port only when it is not the scheme's
    /// default, the same rule AsyncHTTPClient, botocore and S3 use.
    static func host(of url: URL) throws(SigV4Error) -> String {
        let name = try hostName(of: url)
        let defaultPort = url.scheme?.lowercased() == "https" ? 443 : 80
        guard let port = url.port, port != defaultPort else { return name }
        return "\(name):\(port)"
    }

    /// The URL's host, an IPv6 address in brackets.
    static func hostName(of url: URL) throws(SigV4Error) -> String {
        guard let host = url.host(percentEncoded: false), !host.isEmpty else {
            throw .invalidURL("no host in \(url.absoluteString)")
        }
        return host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC, computed from the Unix time so that no locale, calendar or
    /// time zone setting can change a signature.
    static func timestamp(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return pad(year, 4) + pad(month, 2) + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2)
            + pad(secondOfDay % 3600 / 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date of a day count.
    private static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
}
