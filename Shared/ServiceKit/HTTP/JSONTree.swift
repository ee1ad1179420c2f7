import Models

/// Reads a client's JSON body into a `JSONValue` in one pass over the bytes, for the routes that
/// read bodies key by key (`BodyFields`). Foundation's decoder can only build a `JSONValue` by
/// trying each type in turn, every miss an error made and thrown away: a 500-event analytics batch
/// holds some 8,000 values and spent most of its time there.
///
/// It is an accelerator, never a judge: anything `RequestJSON` would refuse or might read another
/// way (a NUL, a key given twice or in two spellings of one, a number no Double holds, a leading
/// zero, bad UTF-8, a lone surrogate, a non-ASCII key, nesting past `JSONScan.maximumDepth`) makes
/// it answer nil, and the caller takes the one slow path whose value or problem stands as before.
enum JSONTree {
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            reader.skipWhitespace()
            guard let value = reader.value(depth: 0) else { return nil }
            reader.skipWhitespace()
            // Not a ternary: its `nil` would be read as JSON null (`JSONValue` takes the literal).
            guard reader.index == buffer.count else { return nil }
            return value
        }
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// The key signatures of the objects being read, innermost last (reused, not reallocated).
        var signatures: [UInt64] = []
        /// A string's bytes while its escapes are undone (reused).
        var scratch: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            self.signatures.reserveCapacity(64)
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) -> JSONValue? {
            guard depth <= JSONScan.maximumDepth, index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true") ? JSONValue.bool(true) : Optional.none
            case UInt8(ascii: "f"): return literal("false") ? JSONValue.bool(false) : Optional.none
            case UInt8(ascii: "n"): return literal("null") ? JSONValue.null : Optional.none
            default: return number().map(JSONValue.number)
            }
        }

        private mutating func object(depth: Int) -> JSONValue? {
            index += 1
            // Gathered first, then hashed into a dictionary of the right size at once.
            var members: [(String, JSONValue)] = []
            let firstSignature = signatures.count
            defer { signatures.removeSubrange(firstSignature...) }
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object([:])
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string(),
                    let signature = Self.signature(key)
                else { return nil }
                // Two keys the scan could take for one (`tax_rate`, `taxRate`, or the same twice)
                // share a signature: the slow path decides.
                if signatures[firstSignature...].contains(signature) { return nil }
                signatures.append(signature)
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipWhitespace()
                guard let member = value(depth: depth + 1) else { return nil }
                members.append((key, member))
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    // The signatures ruled out a key given twice; the first would win regardless.
                    return .object(Dictionary(members, uniquingKeysWith: { first, _ in first }))
                }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }

        private mutating func array(depth: Int) -> JSONValue? {
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipWhitespace()
                guard let item = value(depth: depth + 1) else { return nil }
                items.append(item)
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        }

        /// An ASCII key lower-cased without its underscores, hashed (FNV-1a): keys that
        /// `JSONScan.convertedKey` maps to one always share it (a false alarm only costs the slow
        /// path). Nil for a non-ASCII key, whose case mapping is Unicode's.
        static func signature(_ key: String) -> UInt64? {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in key.utf8 {
                guard byte < 0x80 else { return nil }
                if byte == UInt8(ascii: "_") { continue }
                let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
                hash = (hash ^ UInt64(lower)) &* 0x100_0000_01b3
            }
            return hash
        }

        private mutating func string() -> String? {
            index += 1
            let start = index
            var ascii = true
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    // ASCII is valid UTF-8 as it stands; anything else is checked.
                    return ascii ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
                if byte < 0x20 { return nil }
                if byte >= 0x80 { ascii = false }
                index += 1
            }
            return nil
        }

        /// The rest of a string that has escapes, from its first byte at `start`.
        private mutating func escapedString(from start: Int) -> String? {
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return String(validating: scratch, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index + 1 < bytes.count else { return nil }
                    let escaped = bytes[index + 1]
                    index += 2
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escaped)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        var scalar = unit
                        if (0xD800..<0xDC00).contains(unit) {
                            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                                return nil
                            }
                            index += 2
                            guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                            scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        // NUL is the scan's to refuse by name; a lone low surrogate is no character.
                        guard scalar != 0, let character = Unicode.Scalar(scalar) else { return nil }
                        scratch.append(contentsOf: UTF8.encode(character)!)
                    default:
                        return nil
                    }
                case 0x00..<0x20:
                    return nil
                default:
                    scratch.append(byte)
                    index += 1
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let digit = bytes[index]
                let nibble: UInt8
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(nibble)
                index += 1
            }
            return value
        }

        /// RFC 8259 §6 exactly (no leading zero); a whole number of up to 15 digits is exact as an
        /// integer, anything else goes through `Double(_:)`, and one that overflows or underflows
        /// is left to the slow path.
        private mutating func number() -> Double? {
            let start = index
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            let integerStart = index
            var whole: Int64 = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                if index - integerStart < 18 { whole = whole * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                index += 1
            }
            let integerDigits = index - integerStart
            guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { return nil }
            var plain = true
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                plain = false
                index += 1
                guard digits() > 0 else { return nil }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                plain = false
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return nil }
            }
            if plain && integerDigits <= 15 && !(negative && whole == 0) {
                return Double(negative ? -whole : whole)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { return nil }
            // 1e-400 underflows to 0, which Foundation may read another way.
            let mantissa = bytes[start..<index].prefix { $0 | 0x20 != UInt8(ascii: "e") }
            if value == 0 && mantissa.contains(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) { return nil }
            return value
        }

        private mutating func digits() -> Int {
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - start
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
            guard UnsafeBufferPointer(rebasing: bytes[index..<(index + count)]).elementsEqual(expected) else { return false }
            index += count
            return true
        }
    }
}
