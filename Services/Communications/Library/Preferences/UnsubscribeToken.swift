import Crypto
import Foundation
import ServiceKit

/// The token of a one-click unsubscribe link (RFC 8058): who, from what, until when, signed with
/// HMAC-SHA256 so that nobody can unsubscribe someone else by editing a link. Pure: no I/O.
///
/// `base64url(payload) "." base64url(mac)`, the payload `v1|<user>|<category>|<expiry, unix seconds>`.
/// `category` is a `NotificationCategory` or `all` (a digest's link: every category that may be off).
struct UnsubscribeToken: Sendable, Equatable {
    static let everyCategory = "all"

    var userID: UUID
    var category: String
    var expiresAt: Date

    enum Refusal: Error, Equatable {
        /// Not a token of ours: malformed, or the signature does not match (tampered).
        case invalid
        case expired
    }

    func signed(with key: SymmetricKey) -> String {
        let payload = Data("v1|\(self.userID.uuidString.lowercased())|\(self.category)|\(Int64(self.expiresAt.timeIntervalSince1970))".utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: payload, using: key)
        return SecretToken.base64URL(payload) + "." + SecretToken.base64URL(Data(mac))
    }

    static func verify(_ token: String, key: SymmetricKey, now: Date) throws(Refusal) -> UnsubscribeToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.count <= 400, parts.count == 2, let payload = SecretToken.bytes(base64URL: parts[0]),
            let mac = SecretToken.bytes(base64URL: parts[1]),
            HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key)
        else { throw .invalid }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "v1", let user = UUID(uuidString: String(fields[1])), let seconds = Int64(fields[3]),
            fields[2] == Self.everyCategory || NotificationCategory(rawValue: String(fields[2])).map({ !$0.isLocked }) == true
        else { throw .invalid }
        let expiry = Date(timeIntervalSince1970: TimeInterval(seconds))
        guard expiry > now else { throw .expired }
        return UnsubscribeToken(userID: user, category: String(fields[2]), expiresAt: expiry)
    }
}
