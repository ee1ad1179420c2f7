import Models

/// An event's `properties` as compact JSON text, written straight from the tree: the bytes
/// `JSONEncoder()` writes for a `JSONValue` (slashes escaped, a whole number without ".0"), so the
/// 8 KiB limit counts as it always did, without an encoder per event (the writer needs the text
/// again for `jsonb`, and at 500 events a batch both showed in profiles).
enum PropertiesJSON {
    static func text(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        Self.write(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            var text = number.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out.append(contentsOf: text.utf8)
        case .string(let text): Self.write(string: text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                Self.write(string: key, into: &out)
                out.append(UInt8(ascii: ":"))
                Self.write(member, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The length of `text(value)` in bytes, counted without writing it (the size check runs on
    /// every event; only the writer needs the text).
    static func size(of value: JSONValue) -> Int {
        switch value {
        case .null: 4
        case .bool(let flag): flag ? 4 : 5
        case .number(let number): number.description.hasSuffix(".0") ? number.description.utf8.count - 2 : number.description.utf8.count
        case .string(let text): Self.size(ofString: text)
        case .array(let items): 2 + max(items.count - 1, 0) + items.reduce(0) { $0 + Self.size(of: $1) }
        case .object(let members):
            2 + max(members.count - 1, 0) + members.reduce(0) { $0 + Self.size(ofString: $1.key) + 1 + Self.size(of: $1.value) }
        }
    }

    static func size(ofString text: String) -> Int {
        var count = 2
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), 0x08, 0x0C, 0x0A, 0x0D, 0x09: count += 2
            case 0x00..<0x20: count += 6
            default: count += 1
            }
        }
        return count
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(Self.hexDigits[Int(byte >> 4)])
                out.append(Self.hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
