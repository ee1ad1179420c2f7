import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension HTTPField.Name {
    public static let forwardedFor = Self("X-Forwarded-For")!
}

/// The caller's IP address, for rate limits and login history.
///
/// `X-Forwarded-For` is believed only when the connection comes from a configured proxy
/// (`TRUSTED_PROXIES`): anyone else could otherwise pick the address their rate limits count
/// against. The header is read from the right, past the trusted hops, and every hop must be an IP
/// address, so what comes back always fits a Postgres `inet`.
public enum ClientAddress {
    public static func of(_ request: Request, remote: SocketAddress?, trustedProxies: TrustedProxies) -> String? {
        Self.resolve(peer: remote?.ipAddress, forwardedFor: request.headers[.forwardedFor], trustedProxies: trustedProxies)
    }

    /// The client behind `peer` (the socket's address) given the `X-Forwarded-For` it sent.
    static func resolve(peer: String?, forwardedFor header: String?, trustedProxies: TrustedProxies) -> String? {
        guard let peer = peer.flatMap(IPAddress.init) else { return nil }
        guard trustedProxies.contains(peer), let header else { return peer.description }
        var client = peer
        for hop in header.split(separator: ",").reversed() {
            guard trustedProxies.contains(client) else { break }
            // A hop that is not an address was made up before it reached a proxy we trust: stop at
            // the last address a trusted proxy vouched for.
            guard let address = IPAddress(hop.trimmingCharacters(in: .whitespaces)) else { break }
            client = address
        }
        return client.description
    }
}

/// An IPv4 or IPv6 address as its bytes (4 or 16); IPv4-mapped IPv6 (`::ffff:a.b.c.d`) reads as IPv4.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        guard text.utf8.count <= 64 else { return nil }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]
        self.bytes = bytes.starts(with: mappedPrefix) ? Array(bytes[12...]) : bytes
    }

    public var description: String {
        if self.bytes.count == 4 { return self.bytes.map(String.init).joined(separator: ".") }
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: self.bytes) }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "::" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `TRUSTED_PROXIES`: addresses and CIDR blocks (`127.0.0.1`, `10.0.0.0/8`, `fd00::/8`) whose
/// `X-Forwarded-For` is believed. Empty by default: a service reached directly trusts nobody.
public struct TrustedProxies: Sendable, Equatable {
    struct Block: Sendable, Equatable {
        var network: [UInt8]
        var prefixLength: Int
    }

    let blocks: [Block]

    public static let none = TrustedProxies(blocks: [])

    init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// Parses the comma-separated list; nil when an entry is not an address or block.
    public init?(parsing list: String) {
        var blocks: [Block] = []
        for entry in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1)
            guard let address = IPAddress(String(parts[0])) else { return nil }
            let bits = address.bytes.count * 8
            guard let length = parts.count == 2 ? Int(parts[1]) : bits, (0...bits).contains(length) else { return nil }
            blocks.append(Block(network: address.bytes, prefixLength: length))
        }
        self.blocks = blocks
    }

    public var isEmpty: Bool { self.blocks.isEmpty }

    public func contains(_ address: IPAddress) -> Bool {
        self.blocks.contains { block in
            guard block.network.count == address.bytes.count else { return false }
            var remaining = block.prefixLength
            for (network, byte) in zip(block.network, address.bytes) where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                guard network & mask == byte & mask else { return false }
                remaining -= 8
            }
            return true
        }
    }
}
