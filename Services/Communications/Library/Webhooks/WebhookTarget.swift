import Foundation

/// Where a webhook may be sent: the URL rules and the address rules of the SSRF guard. Pure; the
/// resolution itself is `WebhookResolver`.
enum WebhookTarget {
    static let maxURLLength = 2048

    /// A registered URL, checked: absolute `https` (or `http` when allowed), a host, no
    /// credentials (they would sit in logs and the database in clear), no fragment.
    static func checkURL(_ text: String, allowHTTP: Bool) -> Result<URL, Refusal> {
        guard text.utf8.count <= Self.maxURLLength else { return .failure(Refusal("must be at most \(Self.maxURLLength) characters")) }
        guard !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty, let url = components.url
        else { return .failure(Refusal("must be an absolute URL such as https://example.com/webhooks")) }
        guard scheme == "https" || (scheme == "http" && allowHTTP) else {
            return .failure(Refusal(allowHTTP ? "must be an http or https URL" : "must be an https URL"))
        }
        guard components.user == nil, components.password == nil else { return .failure(Refusal("must not carry a user name or password")) }
        guard components.fragment == nil else { return .failure(Refusal("must not have a fragment")) }
        if let port = components.port, !(1...65535).contains(port) { return .failure(Refusal("has no such port")) }
        return .success(url)
    }

    struct Refusal: Error, Equatable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Why an address may not be a target, or nil when it may: loopback, private (RFC 1918, ULA),
    /// CGNAT (RFC 6598), link-local (with the cloud metadata services 169.254.169.254 and
    /// fd00:ec2::254), multicast, unspecified, and the reserved and documentation ranges. IPv4
    /// carried inside IPv6 (mapped, NAT64, 6to4) is judged as the IPv4 it carries.
    static func forbiddenReason(_ address: [UInt8]) -> String? {
        switch address.count {
        case 4: return Self.forbiddenReasonV4(address)
        case 16: return Self.forbiddenReasonV6(address)
        default: return "not an IP address"
        }
    }

    static func forbiddenReasonV4(_ a: [UInt8]) -> String? {
        switch (a[0], a[1], a[2]) {
        case (0, _, _): return "unspecified"
        case (127, _, _): return "loopback"
        case (10, _, _), (172, 16...31, _), (192, 168, _): return "private"
        case (100, 64...127, _): return "shared (CGNAT)"
        case (169, 254, _): return a[3] == 254 && a[2] == 169 ? "cloud metadata" : "link-local"
        case (192, 0, 0), (192, 0, 2), (198, 18...19, _), (198, 51, 100), (203, 0, 113): return "reserved"
        case (224...239, _, _): return "multicast"
        case (240...255, _, _): return "reserved"
        default: return nil
        }
    }

    static func forbiddenReasonV6(_ a: [UInt8]) -> String? {
        let prefix = a[0..<12]
        if a.allSatisfy({ $0 == 0 }) { return "unspecified" }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return "loopback" }
        // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, deprecated), 64:ff9b::a.b.c.d (NAT64).
        if prefix.elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]) || prefix.allSatisfy({ $0 == 0 })
            || prefix.elementsEqual([0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])
        {
            return Self.forbiddenReasonV4(Array(a[12..<16]))
        }
        // 6to4 (2002::/16) carries its IPv4 in the next 32 bits.
        if a[0] == 0x20 && a[1] == 0x02 { return Self.forbiddenReasonV4(Array(a[2..<6])) }
        if a[0] == 0xfd && a[1] == 0x00 && a[2] == 0x0e && a[3] == 0xc2 { return "cloud metadata" }
        if a[0] & 0xfe == 0xfc { return "private (unique local)" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return "link-local" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return "site-local" }
        if a[0] == 0xff { return "multicast" }
        if a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8 { return "reserved" }
        if a[0] == 0x01 && a[1..<8].allSatisfy({ $0 == 0 }) { return "reserved (discard)" }
        return nil
    }

    /// An address's usual text (dotted quad, or RFC 5952 IPv6), for the connection and for errors.
    static func text(_ a: [UInt8]) -> String {
        if a.count == 4 { return a.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(a[$0]) << 8 | Int(a[$0 + 1]) }
        // The longest run of two or more zero groups becomes "::".
        var best = (start: -1, length: 0)
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > best.length { best = (index, end - index) }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
