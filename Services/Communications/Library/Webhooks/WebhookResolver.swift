import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The SSRF guard's resolution: a host's addresses, every one checked by `WebhookTarget`, and the
/// one address the request then connects to (`HTTPClient`'s DNS override), so a name that answers
/// a public address to the check and a private one to the connection (DNS rebinding) gets nowhere.
struct WebhookResolver: Sendable {
    let allowPrivateTargets: Bool

    enum Failure: Error, Equatable, Sendable {
        case unresolvable(host: String)
        case forbidden(address: String, reason: String)

        var message: String {
            switch self {
            case .unresolvable(let host): "the host \(host) does not resolve"
            case .forbidden(let address, let reason):
                "resolves to \(address), a \(reason) address, which webhooks may not target"
            }
        }
    }

    /// The address to connect to for `host`: every address it resolves to must be allowed (a
    /// name with one private address among public ones is refused whole).
    /// (A `Result` rather than typed throws: catching the latter crashes this compiler.)
    func address(for host: String) async -> Result<String, Failure> {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = await Self.lookUp(bare)
        guard let first = addresses.first else { return .failure(.unresolvable(host: bare)) }
        if !self.allowPrivateTargets {
            for address in addresses {
                if let reason = WebhookTarget.forbiddenReason(address) {
                    return .failure(.forbidden(address: WebhookTarget.text(address), reason: reason))
                }
            }
        }
        return .success(WebhookTarget.text(first))
    }

    /// `getaddrinfo` off the concurrency pool (it blocks); the raw addresses, IPv4 and IPv6.
    static func lookUp(_ host: String) async -> [[UInt8]] {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: Self.lookUpBlocking(host)) }
        }
    }

    private static func lookUpBlocking(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let head = result else { return [] }
        defer { freeaddrinfo(head) }
        var addresses: [[UInt8]] = []
        var node: UnsafeMutablePointer<addrinfo>? = head
        while let current = node {
            if let socketAddress = current.pointee.ai_addr {
                switch Int32(current.pointee.ai_family) {
                case AF_INET:
                    socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin_addr
                        addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                case AF_INET6:
                    socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin6_addr
                        addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                default: break
                }
            }
            node = current.pointee.ai_next
        }
        // getaddrinfo lists an address once per protocol on some systems.
        var seen: Set<[UInt8]> = []
        return addresses.filter { seen.insert($0).inserted }
    }
}
