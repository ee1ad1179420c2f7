/// Quoted-printable body encoding (RFC 2045 §6.7): readable for ASCII, safe for any UTF-8, lines of
/// at most 76 characters, CRLF line ends whatever the input used.
enum QuotedPrintable {
    static let maximumLineLength = 76

    static func encode(_ text: String) -> String {
        lines(of: text).map(encodeLine).joined(separator: "\r\n")
    }

    /// The lines of `text` as bytes, split at LF, CRLF or a lone CR.
    static func lines(of text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\r"):
                lines.append([])
            case UInt8(ascii: "\n") where previousWasCR:
                break
            case UInt8(ascii: "\n"):
                lines.append([])
            default:
                lines[lines.count - 1].append(byte)
            }
            previousWasCR = byte == UInt8(ascii: "\r")
        }
        return lines
    }

    private static func encodeLine(_ bytes: [UInt8]) -> String {
        var output = ""
        var lineLength = 0
        for (index, byte) in bytes.enumerated() {
            let isLast = index == bytes.count - 1
            let token: String
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                // Trailing white space is stripped by some relays, so it is encoded at line end.
                token = isLast ? hex(byte) : String(UnicodeScalar(byte))
            case UInt8(ascii: "="):
                token = hex(byte)
            case 33...126:
                // A leading dot is encoded so that a relay's dot handling cannot alter the line.
                token = byte == UInt8(ascii: ".") && lineLength == 0 ? hex(byte) : String(UnicodeScalar(byte))
            default:
                token = hex(byte)
            }
            // Keep room for the "=" of a soft break unless this is the last token of the line.
            let limit = isLast ? maximumLineLength : maximumLineLength - 1
            if lineLength + token.utf8.count > limit {
                output += "=\r\n"
                lineLength = 0
                if byte == UInt8(ascii: ".") {
                    output += hex(byte)
                    lineLength = 3
                    continue
                }
            }
            output += token
            lineLength += token.utf8.count
        }
        return output
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "="), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
