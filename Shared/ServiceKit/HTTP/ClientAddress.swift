import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    public static let forwardedFor = Self("X-Forwarded-For")!
}

/// The caller's IP address, for rate limits and login history.
public enum ClientAddress {
    public static func of(_ request: Request, remote: SocketAddress?, trustsForwardedFor: Bool) -> String? {
        if trustsForwardedFor, let forwarded = request.headers[.forwardedFor],
            let first = forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        {
            return first
        }
        return remote?.ipAddress
    }
}
