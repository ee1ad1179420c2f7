import ServiceKit

/// The network a client address belongs to, which is all analytics keeps of it (Plausible's
/// rule): an IPv4 address becomes its /24, an IPv6 address its /48, both in Postgres `cidr` text
/// with the host bits zeroed (`203.0.113.0/24`, `2001:db8:85a3::/48`). Enough for a country or an
/// organisation, never one household.
enum IPPrefix {
    static func of(_ address: String?) -> String? {
        guard let address, let ip = IPAddress(address) else { return nil }
        let keep = ip.bytes.count == 4 ? 3 : 6
        let masked = Array(ip.bytes.prefix(keep)) + Array(repeating: 0, count: ip.bytes.count - keep)
        guard let network = IPAddress(Self.render(masked)) else { return nil }
        return "\(network.description)/\(keep * 8)"
    }

    /// Bytes as text `IPAddress` parses back (its own description prints the canonical form).
    private static func render(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
