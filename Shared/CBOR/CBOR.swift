/// A decoded CBOR data item (RFC 8949).
///
/// Tract reads CBOR only where WebAuthn puts it (attestation objects, COSE keys, authenticator
/// extensions), always from a client, so `CBORDecoder` is strict and bounded rather than complete:
/// see its documentation for what it refuses.
public enum CBOR: Sendable, Hashable {
    case unsigned(UInt64)
    /// Major type 1: the value is `-1 - n`, kept as `n` so all of the type's range fits.
    case negative(UInt64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    /// Keys are unique (the decoder refuses duplicates); order is the encoded order.
    case map([(key: CBOR, value: CBOR)])
    indirect case tagged(UInt64, CBOR)
    case simple(UInt8)
    case boolean(Bool)
    case null
    case undefined
    case float(Double)

    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case (.unsigned(let a), .unsigned(let b)), (.negative(let a), .negative(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.text(let a), .text(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.tagged(let t, let a), .tagged(let u, let b)): t == u && a == b
        case (.simple(let a), .simple(let b)): a == b
        case (.boolean(let a), .boolean(let b)): a == b
        case (.null, .null), (.undefined, .undefined): true
        // Bit patterns, so NaN equals itself and the two zeros differ, as their encodings do.
        case (.float(let a), .float(let b)): a.bitPattern == b.bitPattern
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .unsigned(let n):
            hasher.combine(0)
            hasher.combine(n)
        case .negative(let n):
            hasher.combine(1)
            hasher.combine(n)
        case .bytes(let b):
            hasher.combine(2)
            hasher.combine(b)
        case .text(let t):
            hasher.combine(3)
            hasher.combine(t)
        case .array(let a):
            hasher.combine(4)
            hasher.combine(a)
        case .map(let m):
            hasher.combine(5)
            for (key, value) in m {
                hasher.combine(key)
                hasher.combine(value)
            }
        case .tagged(let t, let v):
            hasher.combine(6)
            hasher.combine(t)
            hasher.combine(v)
        case .simple(let s):
            hasher.combine(7)
            hasher.combine(s)
        case .boolean(let b):
            hasher.combine(8)
            hasher.combine(b)
        case .null: hasher.combine(9)
        case .undefined: hasher.combine(10)
        case .float(let d):
            hasher.combine(11)
            hasher.combine(d.bitPattern)
        }
    }

    /// The value under `key` when this is a map.
    public subscript(key: CBOR) -> CBOR? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The value under an integer key (COSE labels), positive or negative.
    public subscript(label: Int) -> CBOR? { self[CBOR(label)] }

    /// The value under a text key (attestation object fields).
    public subscript(text: String) -> CBOR? { self[.text(text)] }

    public init(_ integer: Int) {
        self = integer >= 0 ? .unsigned(UInt64(integer)) : .negative(UInt64(-1 - integer))
    }

    /// The value as an `Int`, when it is an integer that fits.
    public var int: Int? {
        switch self {
        case .unsigned(let n): n <= UInt64(Int.max) ? Int(n) : nil
        case .negative(let n): n <= UInt64(Int.max) ? -1 - Int(n) : nil
        default: nil
        }
    }

    public var byteString: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }

    public var textString: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    public var arrayValue: [CBOR]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var mapEntries: [(key: CBOR, value: CBOR)]? {
        if case .map(let entries) = self { return entries }
        return nil
    }
}

/// Why a CBOR input was refused.
public enum CBORError: Error, Equatable, Sendable {
    /// The input ends inside an item.
    case truncated
    /// Indefinite-length strings, arrays and maps, and the "break" code, are not accepted.
    case indefiniteLength
    /// Additional information 28–30 is reserved (RFC 8949 §3).
    case reservedAdditionalInformation
    /// A length larger than the bytes that remain, or than the limits allow.
    case lengthTooLarge
    case nestingTooDeep
    case tooManyItems
    case inputTooLarge
    case duplicateMapKey
    case invalidUTF8
    /// A simple value below 32 encoded in two bytes (RFC 8949 §3.3 calls it not well-formed).
    case invalidSimpleValue
    /// `decode` found bytes after the item.
    case trailingBytes
}

/// A strict decoder of one CBOR item (RFC 8949), for input an attacker chose.
///
/// Refused: indefinite lengths, reserved additional information, duplicate map keys, invalid
/// UTF-8 in text strings, two-byte simple values below 32. Bounded: input size, nesting depth and
/// the total number of items, and a length is checked against the bytes that remain before
/// anything is allocated, so a header claiming 2^63 bytes costs nothing. Not enforced: preferred
/// (shortest) serialisation and key order, which WebAuthn authenticators do not all follow.
public struct CBORDecoder: Sendable {
    public var maximumDepth: Int
    public var maximumItems: Int
    public var maximumInputSize: Int

    public init(maximumDepth: Int = 16, maximumItems: Int = 4096, maximumInputSize: Int = 64 * 1024) {
        self.maximumDepth = maximumDepth
        self.maximumItems = maximumItems
        self.maximumInputSize = maximumInputSize
    }

    /// Exactly one item that fills `bytes`.
    public func decode(_ bytes: some Collection<UInt8>) throws(CBORError) -> CBOR {
        let (item, consumed) = try self.decodePrefix(bytes)
        guard consumed == bytes.count else { throw .trailingBytes }
        return item
    }

    /// The first item of `bytes` and how many bytes it took: WebAuthn's attested credential data
    /// is a COSE key followed directly by more bytes (the extensions), with no length between.
    public func decodePrefix(_ bytes: some Collection<UInt8>) throws(CBORError) -> (item: CBOR, consumed: Int) {
        guard bytes.count <= self.maximumInputSize else { throw .inputTooLarge }
        var reader = Reader(bytes: Array(bytes), limits: self)
        let item = try reader.item(depth: 0)
        return (item, reader.position)
    }

    struct Reader {
        let bytes: [UInt8]
        let limits: CBORDecoder
        var position = 0
        var items = 0

        var remaining: Int { self.bytes.count - self.position }

        mutating func byte() throws(CBORError) -> UInt8 {
            guard self.position < self.bytes.count else { throw .truncated }
            defer { self.position += 1 }
            return self.bytes[self.position]
        }

        mutating func take(_ count: Int) throws(CBORError) -> ArraySlice<UInt8> {
            guard count <= self.remaining else { throw .truncated }
            defer { self.position += count }
            return self.bytes[self.position..<self.position + count]
        }

        mutating func integer(_ count: Int) throws(CBORError) -> UInt64 {
            var value: UInt64 = 0
            for byte in try self.take(count) { value = value << 8 | UInt64(byte) }
            return value
        }

        /// The argument of an initial byte (RFC 8949 §3).
        mutating func argument(_ info: UInt8) throws(CBORError) -> UInt64 {
            switch info {
            case 0..<24: UInt64(info)
            case 24: UInt64(try self.byte())
            case 25: try self.integer(2)
            case 26: try self.integer(4)
            case 27: try self.integer(8)
            case 31: throw .indefiniteLength
            default: throw .reservedAdditionalInformation
            }
        }

        /// A length for `count` bytes or items, checked against what is left before anything is
        /// allocated: every item takes at least one byte, so neither can exceed the remainder.
        func length(_ argument: UInt64) throws(CBORError) -> Int {
            guard argument <= UInt64(self.remaining) else {
                // Truncated input whose header is otherwise fine reads as truncated, not hostile.
                throw argument <= UInt64(self.limits.maximumInputSize) ? .truncated : .lengthTooLarge
            }
            return Int(argument)
        }

        mutating func item(depth: Int) throws(CBORError) -> CBOR {
            guard depth <= self.limits.maximumDepth else { throw .nestingTooDeep }
            self.items += 1
            guard self.items <= self.limits.maximumItems else { throw .tooManyItems }
            let initial = try self.byte()
            let major = initial >> 5
            let info = initial & 0x1f
            if major == 7 { return try self.simple(info) }
            let argument = try self.argument(info)
            switch major {
            case 0: return .unsigned(argument)
            case 1: return .negative(argument)
            case 2: return .bytes(Array(try self.take(try self.length(argument))))
            case 3:
                let bytes = try self.take(try self.length(argument))
                guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
                return .text(text)
            case 4:
                let count = try self.length(argument)
                var items: [CBOR] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(try self.item(depth: depth + 1)) }
                return .array(items)
            case 5:
                // Each entry takes at least two bytes.
                let count = try self.length(argument)
                guard count <= self.remaining / 2 else { throw .truncated }
                var entries: [(key: CBOR, value: CBOR)] = []
                entries.reserveCapacity(count)
                var seen = Set<CBOR>()
                for _ in 0..<count {
                    let key = try self.item(depth: depth + 1)
                    guard seen.insert(key).inserted else { throw .duplicateMapKey }
                    entries.append((key, try self.item(depth: depth + 1)))
                }
                return .map(entries)
            default:
                return .tagged(argument, try self.item(depth: depth + 1))
            }
        }

        mutating func simple(_ info: UInt8) throws(CBORError) -> CBOR {
            switch info {
            case 20: return .boolean(false)
            case 21: return .boolean(true)
            case 22: return .null
            case 23: return .undefined
            case 0..<20: return .simple(info)
            case 24:
                let value = try self.byte()
                guard value >= 32 else { throw .invalidSimpleValue }
                return .simple(value)
            case 25: return .float(Double(Self.half(UInt16(try self.integer(2)))))
            case 26: return .float(Double(Float(bitPattern: UInt32(try self.integer(4)))))
            case 27: return .float(Double(bitPattern: try self.integer(8)))
            case 31: throw .indefiniteLength
            default: throw .reservedAdditionalInformation
            }
        }

        /// IEEE 754 half precision (RFC 8949 Appendix D), without relying on `Float16`, which
        /// some platforms lack.
        static func half(_ bits: UInt16) -> Double {
            let exponent = Int(bits >> 10) & 0x1f
            let mantissa = Double(bits & 0x3ff)
            let magnitude: Double =
                switch exponent {
                case 0: mantissa * 0x1p-24
                case 31: mantissa == 0 ? .infinity : .nan
                default: (1 + mantissa / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
                }
            return bits & 0x8000 != 0 ? -magnitude : magnitude
        }
    }
}
