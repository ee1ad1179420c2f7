/// Quoted-printable body encoding (RFC 2045 §6.7): readable for ASCII, safe for any UTF-8, lines of
/// at most 76 characters, CRLF line ends whatever the input used.
///
/// Written over bytes, not Strings: every mail the service sends passes through here, and a
/// String per character made it the largest item in a campaign's profile.
enum QuotedPrintable {
    static let maximumLineLength = 76

    static func encode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 8 + 16)
        for (index, line) in lineRanges(of: bytes).enumerated() {
            if index > 0 { output += [13, 10] }
            encodeLine(bytes[line], into: &output)
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Where the lines of `bytes` are, split at LF, CRLF or a lone CR (the line ends excluded).
    static func lineRanges(of bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\r"):
                ranges.append(start..<index)
                // CRLF is one line end.
                if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                start = index + 1
            case UInt8(ascii: "\n"):
                ranges.append(start..<index)
                start = index + 1
            default:
                break
            }
            index += 1
        }
        ranges.append(start..<bytes.count)
        return ranges
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, into output: inout [UInt8]) {
        var lineLength = 0
        for index in line.indices {
            let byte = line[index]
            let isLast = index == line.endIndex - 1
            let literal: Bool
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                // Trailing white space is stripped by some relays, so it is encoded at line end.
                literal = !isLast
            case UInt8(ascii: "="):
                literal = false
            case 33...126:
                // A leading dot is encoded so that a relay's dot handling cannot alter the line.
                literal = !(byte == UInt8(ascii: ".") && lineLength == 0)
            default:
                literal = false
            }
            let width = literal ? 1 : 3
            // Keep room for the "=" of a soft break unless this is the last token of the line.
            let limit = isLast ? maximumLineLength : maximumLineLength - 1
            if lineLength + width > limit {
                output += [UInt8(ascii: "="), 13, 10]
                lineLength = 0
                if byte == UInt8(ascii: ".") {
                    appendHex(byte, to: &output)
                    lineLength = 3
                    continue
                }
            }
            if literal { output.append(byte) } else { appendHex(byte, to: &output) }
            lineLength += width
        }
    }

    private static func appendHex(_ byte: UInt8, to output: inout [UInt8]) {
        let digits: StaticString = "0123456789ABCDEF"
        digits.withUTF8Buffer { digits in
            output += [UInt8(ascii: "="), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
        }
    }
}
