/// Header text that survives any mail system: ASCII as is, anything else as RFC 2047 encoded words.
enum HeaderEncoding {
    /// An unstructured value such as Subject. Line breaks are refused, not encoded: in a subject
    /// they are always a bug or an attack.
    static func unstructured(_ value: String, name: String) throws(SMTPError) -> String {
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidHeader(name: name)
        }
        let isPlainASCII = value.unicodeScalars.allSatisfy { $0.isASCII }
        // 78 characters per line is the RFC 5322 recommendation; longer ASCII values go encoded too,
        // because encoded words can be folded without changing the text.
        if isPlainASCII && value.utf8.count + name.utf8.count + 2 <= 78 && !value.contains("=?") { return value }
        return encodedWords(value)
    }

    /// A further header's value (`List-Unsubscribe`, `X-Entity-Ref-ID`, …): printable ASCII goes as
    /// is up to the line limit (RFC 5322 §2.1.1, 998), because such headers are often structured —
    /// `<https://…>` must stay a URI for a mail client's unsubscribe button, and encoded words are
    /// only allowed in unstructured text (RFC 2047 §5). Anything else is treated as unstructured.
    static func extra(_ value: String, name: String) throws(SMTPError) -> String {
        if value.utf8.count + name.utf8.count + 2 <= 998, value.utf8.allSatisfy({ $0 >= 32 && $0 < 127 }), !value.contains("=?") {
            return value
        }
        return try unstructured(value, name: name)
    }

    /// A display name (an RFC 5322 phrase): quoted when ASCII, encoded words otherwise.
    static func phrase(_ value: String) -> String {
        if value.unicodeScalars.allSatisfy({ $0.isASCII }) && !value.contains("=?") {
            var quoted = "\""
            for character in value {
                if character == "\\" || character == "\"" { quoted.append("\\") }
                quoted.append(character)
            }
            return quoted + "\""
        }
        return encodedWords(value)
    }

    /// `=?utf-8?B?…?=` words of at most 75 characters each (RFC 2047 §2), split between characters
    /// so that no word holds half of a multi-byte sequence, folded with CRLF SP.
    static func encodedWords(_ value: String) -> String {
        let overhead = "=?utf-8?B??=".utf8.count
        let maximumPayloadBytes = (75 - overhead) / 4 * 3  // base64 grows 3 bytes into 4 characters
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in value {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > maximumPayloadBytes, !chunk.isEmpty {
                words.append("=?utf-8?B?\(Base64.encode(chunk))?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?utf-8?B?\(Base64.encode(chunk))?=") }
        return words.joined(separator: "\r\n ")
    }
}

/// Standard base64 (RFC 4648 §4) for encoded words, AUTH and nothing else.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = bytes[index]
            let b1 = remaining > 1 ? bytes[index + 1] : 0
            let b2 = remaining > 2 ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(remaining > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
