import Foundation

/// Base64url without padding (RFC 4648 §5): tokens, cursors and signed links. Written over bytes
/// rather than by rewriting Foundation's base64 with three string replacements: it runs several
/// times for every campaign mail and every token check. Public through `SecretToken.base64URL`
/// and `SecretToken.bytes(base64URL:)`; the WebAuthn module keeps its own, being standalone.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    /// Each byte's 6-bit value, 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }()

    static func encode(_ data: some Sequence<UInt8>) -> String {
        let bytes = Array(data)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output += [Self.character(group >> 18), Self.character(group >> 12), Self.character(group >> 6), Self.character(group)]
            index += 3
        }
        switch bytes.count - index {
        case 1:
            let group = UInt32(bytes[index]) << 16
            output += [Self.character(group >> 18), Self.character(group >> 12)]
        case 2:
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output += [Self.character(group >> 18), Self.character(group >> 12), Self.character(group >> 6)]
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of `text`, or nil for anything but unpadded base64url.
    static func decode(_ text: some StringProtocol) -> Data? {
        let characters = Array(text.utf8)
        guard characters.count % 4 != 1 else { return nil }
        var output = Data()
        output.reserveCapacity(characters.count * 3 / 4)
        var group: UInt32 = 0
        var filled = 0
        for character in characters {
            let value = Self.values[Int(character)]
            guard value != 0xFF else { return nil }
            group = group << 6 | UInt32(value)
            filled += 1
            if filled == 4 {
                output.append(contentsOf: [
                    UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8), UInt8(truncatingIfNeeded: group),
                ])
                group = 0
                filled = 0
            }
        }
        switch filled {
        case 2: output.append(UInt8(truncatingIfNeeded: group >> 4))
        case 3: output.append(contentsOf: [UInt8(truncatingIfNeeded: group >> 10), UInt8(truncatingIfNeeded: group >> 2)])
        default: break
        }
        return output
    }

    private static func character(_ value: UInt32) -> UInt8 { Self.alphabet[Int(value & 63)] }
}
