import Crypto
import Foundation
import ServiceKit

/// The token in an open pixel or click link: which send, which link (`nil` for the pixel), signed
/// with HMAC-SHA256 so nobody can count an open for someone else or make a link point elsewhere.
/// Pure: no I/O.
///
/// `base64url(16-byte send id, 2-byte link index or 0xFFFF) "." base64url(first 16 bytes of the MAC)`.
struct TrackingToken: Sendable, Equatable {
    var sendID: UUID
    var linkIndex: Int?

    /// Domain separation: the key also signs unsubscribe links.
    private static let purpose = Data("tract-campaign-tracking-v1|".utf8)

    func signed(with key: SymmetricKey) -> String {
        let payload = self.payload
        return SecretToken.base64URL(payload) + "." + SecretToken.base64URL(Self.mac(payload, key: key))
    }

    /// The token, or nil when it is malformed or its signature does not match (compared in constant time).
    static func verify(_ token: String, key: SymmetricKey) -> TrackingToken? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 100, parts.count == 2, let payload = SecretToken.bytes(base64URL: parts[0]), payload.count == 18,
            SecretToken.constantTimeEquals(String(parts[1]), SecretToken.base64URL(Self.mac(payload, key: key)))
        else { return nil }
        let bytes = [UInt8](payload)
        let id = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        let index = Int(bytes[16]) << 8 | Int(bytes[17])
        return TrackingToken(sendID: id, linkIndex: index == 0xFFFF ? nil : index)
    }

    private var payload: Data {
        var data = withUnsafeBytes(of: self.sendID.uuid) { Data($0) }
        let index = self.linkIndex ?? 0xFFFF
        data.append(UInt8(index >> 8))
        data.append(UInt8(index & 0xFF))
        return data
    }

    private static func mac(_ payload: Data, key: SymmetricKey) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Self.purpose + payload, using: key)).prefix(16)
    }
}
