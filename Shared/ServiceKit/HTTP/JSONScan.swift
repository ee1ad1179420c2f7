import Foundation

/// One pass over a client's JSON bytes for what Foundation's decoder lets through or reports badly
/// (ARCHITECTURE.md, "Errors"): a NUL character in a string (Postgres text cannot hold it, so the
/// statement would fail with a 500), a key sent twice (the decoder keeps one and the other is never
/// checked), and the outline of keys and numbers that lets a decoding error name the field as the
/// client spelled it. Pure: bytes in, findings out; it never traps, whatever the bytes.
struct JSONScan {
    /// The outline of a JSON value: keys as sent and where each number lies, nothing else.
    indirect enum Node: Sendable {
        case object([(key: String, value: Node)])
        case array([Node])
        case number(Range<Int>)
        case other
    }

    enum Finding: Equatable {
        case nul(path: String)
        case duplicateKey(path: String)
        /// Not JSON, or nested deeper than `maximumDepth`: the decoder's own verdict stands.
        case malformed
    }

    /// Deeper than any body a Tract route takes; bounds the recursion.
    static let maximumDepth = 64

    let root: Node?
    let finding: Finding?

    init(_ bytes: [UInt8]) {
        var parser = Parser(bytes: bytes)
        do throws(Parser.Stop) {
            parser.skipWhitespace()
            let root = try parser.value(path: [], depth: 0)
            parser.skipWhitespace()
            guard parser.index == bytes.count else { throw Parser.Stop.malformed }
            self.root = root
            self.finding = nil
        } catch let stop {
            self.root = nil
            switch stop {
            case .malformed: self.finding = .malformed
            case .nul(let path): self.finding = .nul(path: Self.render(path))
            case .duplicate(let path): self.finding = .duplicateKey(path: Self.render(path))
            }
        }
    }

    /// A path as clients read it: `address.zip`, `items[2].amount`; `body` for the whole.
    static func render(_ path: [PathComponent]) -> String {
        var text = ""
        for component in path {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text.isEmpty ? "body" : text
    }

    enum PathComponent: Equatable {
        case key(String)
        case index(Int)
    }

    /// Every number in the body with its path, in document order.
    func numbers() -> [(path: [PathComponent], range: Range<Int>)] {
        var found: [(path: [PathComponent], range: Range<Int>)] = []
        func walk(_ node: Node, _ path: [PathComponent]) {
            switch node {
            case .object(let members): for member in members { walk(member.value, path + [.key(member.key)]) }
            case .array(let items): for (index, item) in items.enumerated() { walk(item, path + [.index(index)]) }
            case .number(let range): found.append((path, range))
            case .other: break
            }
        }
        if let root { walk(root, []) }
        return found
    }

    /// The path as sent for a decoder's coding path, whose object keys are the converted
    /// (`convertFromSnakeCase`) forms; a key the body does not have is snake-cased.
    func path(for codingPath: [any CodingKey]) -> String {
        var node = self.root
        var path: [PathComponent] = []
        for key in codingPath {
            if let index = key.intValue, case .array(let items)? = node {
                path.append(.index(index))
                node = items.indices.contains(index) ? items[index] : nil
            } else if case .object(let members)? = node,
                let member = members.first(where: { Self.convertedKey($0.key) == key.stringValue })
            {
                path.append(.key(member.key))
                node = member.value
            } else if let index = key.intValue {
                path.append(.index(index))
                node = nil
            } else {
                path.append(.key(snakeCase(key.stringValue)))
                node = nil
            }
        }
        return Self.render(path)
    }

    /// Foundation's `convertFromSnakeCase`, so `tax_rate` and `taxRate` count as the same key (the
    /// decoder would read both into one property) and coding paths map back to what was sent.
    static func convertedKey(_ key: String) -> String {
        guard let first = key.firstIndex(where: { $0 != "_" }) else { return key }
        var last = key.index(before: key.endIndex)
        while key[last] == "_" { last = key.index(before: last) }
        let core = key[first...last]
        let words = core.split(separator: "_")
        guard words.count > 1 else { return key }
        let joined = ([words[0].lowercased()] + words.dropFirst().map { $0.capitalized }).joined()
        return String(key[..<first]) + joined + String(key[key.index(after: last)...])
    }
}

extension JSONScan {
    /// A recursive-descent reader of RFC 8259 JSON that keeps only the outline.
    struct Parser {
        enum Stop: Error {
            case malformed
            case nul([PathComponent])
            case duplicate([PathComponent])
        }

        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(path: [PathComponent], depth: Int) throws(Stop) -> Node {
            guard depth <= JSONScan.maximumDepth, index < bytes.count else { throw .malformed }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(path: path, depth: depth)
            case UInt8(ascii: "["): return try array(path: path, depth: depth)
            case UInt8(ascii: "\""):
                if try string().hasNUL { throw .nul(path) }
                return .other
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: return .number(try number())
            }
            return .other
        }

        private mutating func object(path: [PathComponent], depth: Int) throws(Stop) -> Node {
            index += 1
            var members: [(key: String, value: Node)] = []
            var seen: Set<String> = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw .malformed }
                let key = try string()
                let keyPath = path + [.key(key.text)]
                if key.hasNUL { throw .nul(keyPath) }
                guard seen.insert(JSONScan.convertedKey(key.text)).inserted else { throw .duplicate(keyPath) }
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                members.append((key.text, try value(path: keyPath, depth: depth + 1)))
                skipWhitespace()
                guard index < bytes.count else { throw .malformed }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                try expect(UInt8(ascii: ","))
            }
        }

        private mutating func array(path: [PathComponent], depth: Int) throws(Stop) -> Node {
            index += 1
            var items: [Node] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                items.append(try value(path: path + [.index(items.count)], depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw .malformed }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                }
                try expect(UInt8(ascii: ","))
            }
        }

        /// Reads a string token; `text` is decoded only as far as key matching needs (escapes of
        /// printable ASCII), and `hasNUL` says whether it holds U+0000 (`\u0000`).
        private mutating func string() throws(Stop) -> (text: String, hasNUL: Bool) {
            index += 1
            var text: [UInt8] = []
            var hasNUL = false
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return (String(decoding: text, as: UTF8.self), hasNUL)
                case UInt8(ascii: "\\"):
                    guard index + 1 < bytes.count else { throw .malformed }
                    let escaped = bytes[index + 1]
                    if escaped == UInt8(ascii: "u") {
                        guard index + 5 < bytes.count, let scalar = Self.hex(bytes[(index + 2)..<(index + 6)]) else {
                            throw .malformed
                        }
                        if scalar == 0 { hasNUL = true }
                        if (0x20..<0x7F).contains(scalar) { text.append(UInt8(scalar)) } else { text += bytes[index..<(index + 6)] }
                        index += 6
                    } else {
                        guard let plain = Self.unescaped[escaped] else { throw .malformed }
                        text.append(plain)
                        index += 2
                    }
                case 0x00..<0x20:
                    throw .malformed
                default:
                    text.append(byte)
                    index += 1
                }
            }
            throw .malformed
        }

        private static let unescaped: [UInt8: UInt8] = [
            UInt8(ascii: "\""): UInt8(ascii: "\""), UInt8(ascii: "\\"): UInt8(ascii: "\\"),
            UInt8(ascii: "/"): UInt8(ascii: "/"), UInt8(ascii: "b"): 0x08, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "n"): 0x0A, UInt8(ascii: "r"): 0x0D, UInt8(ascii: "t"): 0x09,
        ]

        private static func hex(_ digits: ArraySlice<UInt8>) -> UInt32? {
            var value: UInt32 = 0
            for digit in digits {
                let nibble: UInt8
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(nibble)
            }
            return value
        }

        /// `-? int frac? exp?` as RFC 8259 §6 has it.
        private mutating func number() throws(Stop) -> Range<Int> {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw .malformed }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw .malformed }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw .malformed }
            }
            return start..<index
        }

        private mutating func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }

        private mutating func literal(_ word: StaticString) throws(Stop) {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw .malformed }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            guard bytes[index..<(index + count)].elementsEqual(expected) else { throw .malformed }
            index += count
        }

        private mutating func expect(_ byte: UInt8) throws(Stop) {
            guard index < bytes.count, bytes[index] == byte else { throw .malformed }
            index += 1
        }
    }
}
