import CBOR
import Foundation
import Testing

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// RFC 8949 Appendix A: every example a strict decoder of definite-length items must read.
@Suite struct CBORAppendixATests {
    static let integers: [(String, CBOR)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)), ("1818", .unsigned(24)),
        ("1819", .unsigned(25)), ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)), ("1a000f4240", .unsigned(1_000_000)),
        ("1b000000e8d4a51000", .unsigned(1_000_000_000_000)), ("1bffffffffffffffff", .unsigned(18_446_744_073_709_551_615)),
        ("3bffffffffffffffff", .negative(18_446_744_073_709_551_615)), ("20", CBOR(-1)), ("29", CBOR(-10)), ("3863", CBOR(-100)),
        ("3903e7", CBOR(-1000)),
    ]

    @Test(arguments: Self.integers) func integer(_ encoded: String, _ expected: CBOR) throws {
        #expect(try CBORDecoder().decode(hex(encoded)) == expected)
    }

    /// Bignums are tagged byte strings (tags 2 and 3); the decoder keeps the tag.
    @Test func bignums() throws {
        #expect(try CBORDecoder().decode(hex("c249010000000000000000")) == .tagged(2, .bytes(hex("010000000000000000"))))
        #expect(try CBORDecoder().decode(hex("c349010000000000000000")) == .tagged(3, .bytes(hex("010000000000000000"))))
    }

    static let floats: [(String, Double)] = [
        ("f90000", 0.0), ("f98000", -0.0), ("f93c00", 1.0), ("fb3ff199999999999a", 1.1), ("f93e00", 1.5), ("f97bff", 65504.0),
        ("fa47c35000", 100000.0), ("fa7f7fffff", 3.4028234663852886e+38), ("fb7e37e43c8800759c", 1.0e+300),
        ("f90001", 5.960464477539063e-8), ("f90400", 0.00006103515625), ("f9c400", -4.0), ("fbc010666666666666", -4.1),
        ("f97c00", .infinity), ("f9fc00", -.infinity), ("fa7f800000", .infinity), ("faff800000", -.infinity),
        ("fb7ff0000000000000", .infinity), ("fbfff0000000000000", -.infinity),
    ]

    @Test(arguments: Self.floats) func float(_ encoded: String, _ expected: Double) throws {
        guard case .float(let value) = try CBORDecoder().decode(hex(encoded)) else {
            Issue.record("\(encoded) is not a float")
            return
        }
        #expect(value == expected)
        #expect(value.sign == expected.sign)
    }

    @Test func notANumber() throws {
        for encoded in ["f97e00", "fa7fc00000", "fb7ff8000000000000"] {
            guard case .float(let value) = try CBORDecoder().decode(hex(encoded)) else {
                Issue.record("\(encoded) is not a float")
                continue
            }
            #expect(value.isNaN)
        }
    }

    @Test func simpleValues() throws {
        #expect(try CBORDecoder().decode(hex("f4")) == .boolean(false))
        #expect(try CBORDecoder().decode(hex("f5")) == .boolean(true))
        #expect(try CBORDecoder().decode(hex("f6")) == .null)
        #expect(try CBORDecoder().decode(hex("f7")) == .undefined)
        #expect(try CBORDecoder().decode(hex("f0")) == .simple(16))
        #expect(try CBORDecoder().decode(hex("f8ff")) == .simple(255))
    }

    @Test func tags() throws {
        #expect(
            try CBORDecoder().decode(hex("c074323031332d30332d32315432303a30343a30305a")) == .tagged(0, .text("2013-03-21T20:04:00Z")))
        #expect(try CBORDecoder().decode(hex("c11a514b67b0")) == .tagged(1, .unsigned(1_363_896_240)))
        #expect(try CBORDecoder().decode(hex("c1fb41d452d9ec200000")) == .tagged(1, .float(1_363_896_240.5)))
        #expect(try CBORDecoder().decode(hex("d74401020304")) == .tagged(23, .bytes([1, 2, 3, 4])))
        #expect(try CBORDecoder().decode(hex("d818456449455446")) == .tagged(24, .bytes(hex("6449455446"))))
        #expect(
            try CBORDecoder().decode(hex("d82076687474703a2f2f7777772e6578616d706c652e636f6d"))
                == .tagged(32, .text("http://www.example.com")))
    }

    @Test func strings() throws {
        #expect(try CBORDecoder().decode(hex("40")) == .bytes([]))
        #expect(try CBORDecoder().decode(hex("4401020304")) == .bytes([1, 2, 3, 4]))
        #expect(try CBORDecoder().decode(hex("60")) == .text(""))
        #expect(try CBORDecoder().decode(hex("6161")) == .text("a"))
        #expect(try CBORDecoder().decode(hex("6449455446")) == .text("IETF"))
        #expect(try CBORDecoder().decode(hex("62225c")) == .text("\"\\"))
        #expect(try CBORDecoder().decode(hex("62c3bc")) == .text("\u{00fc}"))
        #expect(try CBORDecoder().decode(hex("63e6b0b4")) == .text("\u{6c34}"))
        #expect(try CBORDecoder().decode(hex("64f0908591")) == .text("\u{10151}"))
    }

    @Test func arraysAndMaps() throws {
        let decoder = CBORDecoder()
        #expect(try decoder.decode(hex("80")) == .array([]))
        #expect(try decoder.decode(hex("83010203")) == .array([CBOR(1), CBOR(2), CBOR(3)]))
        #expect(
            try decoder.decode(hex("8301820203820405")) == .array([CBOR(1), .array([CBOR(2), CBOR(3)]), .array([CBOR(4), CBOR(5)])]))
        let twentyFive = try decoder.decode(hex("98190102030405060708090a0b0c0d0e0f101112131415161718181819"))
        #expect(twentyFive == .array((1...25).map { CBOR($0) }))
        #expect(try decoder.decode(hex("a0")) == .map([]))
        let map = try decoder.decode(hex("a201020304"))
        #expect(map[1] == CBOR(2) && map[3] == CBOR(4))
        let mixed = try decoder.decode(hex("a26161016162820203"))
        #expect(mixed["a"] == CBOR(1) && mixed["b"] == .array([CBOR(2), CBOR(3)]))
        #expect(try decoder.decode(hex("826161a161626163")) == .array([.text("a"), .map([(.text("b"), .text("c"))])]))
        let letters = try decoder.decode(hex("a56161614161626142616361436164614461656145"))
        #expect(letters.mapEntries?.map(\.key) == ["a", "b", "c", "d", "e"].map { CBOR.text($0) })
        #expect(letters["e"] == .text("E"))
    }

    /// Appendix A's indefinite-length examples are well-formed CBOR that this decoder refuses.
    @Test(arguments: [
        "5f42010243030405ff", "7f657374726561646d696e67ff", "9fff", "9f018202039f0405ffff", "9f01820203820405ff", "83018202039f0405ff",
        "83019f0203ff820405", "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", "bf61610161629f0203ffff",
        "826161bf61626163ff", "bf6346756ef563416d7421ff",
    ])
    func indefiniteLengthRefused(_ encoded: String) {
        #expect(throws: CBORError.indefiniteLength) { try CBORDecoder().decode(hex(encoded)) }
    }
}

@Suite struct CBORStrictnessTests {
    /// Every proper prefix of a valid item is truncated, never a crash or a partial value.
    @Test func everyPrefixIsTruncated() throws {
        let samples = [
            "a56161614161626142616361436164614461656145", "1b000000e8d4a51000", "fb7e37e43c8800759c", "64f0908591",
            "8301820203820405", "d82076687474703a2f2f7777772e6578616d706c652e636f6d", "c249010000000000000000",
        ]
        for sample in samples {
            let bytes = hex(sample)
            #expect(throws: Never.self) { try CBORDecoder().decode(bytes) }
            for length in 0..<bytes.count {
                #expect(throws: CBORError.truncated, "prefix \(length) of \(sample)") { try CBORDecoder().decode(bytes.prefix(length)) }
            }
        }
    }

    @Test func oversizeLengthsFailBeforeAllocating() {
        // A byte string, a text string, an array and a map each claiming 2^63 or 2^64-1 entries.
        for encoded in ["5b8000000000000000", "7bffffffffffffffff", "9b8000000000000000", "bbffffffffffffffff", "5a7fffffff00"] {
            #expect(throws: CBORError.lengthTooLarge, "\(encoded)") { try CBORDecoder().decode(hex(encoded)) }
        }
        // A length that fits the input limit but not the bytes left is truncation.
        #expect(throws: CBORError.truncated) { try CBORDecoder().decode(hex("5820" + "00")) }
        // A map of a thousand entries in four bytes.
        #expect(throws: CBORError.truncated) { try CBORDecoder().decode(hex("b903e80102")) }
    }

    @Test func deepNestingRefused() {
        let decoder = CBORDecoder(maximumDepth: 16)
        let ok = [UInt8](repeating: 0x81, count: 16) + [0x00]
        #expect(throws: Never.self) { try decoder.decode(ok) }
        let deep = [UInt8](repeating: 0x81, count: 17) + [0x00]
        #expect(throws: CBORError.nestingTooDeep) { try decoder.decode(deep) }
        // Ten thousand levels would overflow a recursive decoder's stack without the limit.
        let hostile = [UInt8](repeating: 0x81, count: 10_000) + [0x00]
        #expect(throws: CBORError.nestingTooDeep) { try decoder.decode(hostile) }
        let tags = [UInt8](repeating: 0xc6, count: 10_000) + [0x00]
        #expect(throws: CBORError.nestingTooDeep) { try decoder.decode(tags) }
    }

    @Test func limitsOnItemsAndInput() {
        let many = [0x99, 0x27, 0x10] + [UInt8](repeating: 0x00, count: 10_000)
        #expect(throws: CBORError.tooManyItems) { try CBORDecoder(maximumItems: 4096).decode(many) }
        #expect(throws: CBORError.inputTooLarge) { try CBORDecoder(maximumInputSize: 100).decode([UInt8](repeating: 0, count: 101)) }
    }

    @Test func duplicateKeysRefused() {
        #expect(throws: CBORError.duplicateMapKey) { try CBORDecoder().decode(hex("a201020103")) }
        #expect(throws: CBORError.duplicateMapKey) { try CBORDecoder().decode(hex("a2616101616102")) }
        // 1 and -1 are different keys (COSE uses both).
        #expect(throws: Never.self) { try CBORDecoder().decode(hex("a201022003")) }
    }

    @Test func malformedItemsRefused() {
        #expect(throws: CBORError.reservedAdditionalInformation) { try CBORDecoder().decode(hex("1c")) }
        #expect(throws: CBORError.reservedAdditionalInformation) { try CBORDecoder().decode(hex("fe")) }
        #expect(throws: CBORError.indefiniteLength) { try CBORDecoder().decode(hex("ff")) }
        #expect(throws: CBORError.invalidSimpleValue) { try CBORDecoder().decode(hex("f818")) }
        #expect(throws: CBORError.invalidUTF8) { try CBORDecoder().decode(hex("62c328")) }
        #expect(throws: CBORError.trailingBytes) { try CBORDecoder().decode(hex("0000")) }
        #expect(throws: CBORError.truncated) { try CBORDecoder().decode([]) }
    }

    /// WebAuthn's attested credential data is a COSE key with more bytes after it.
    @Test func prefixReportsConsumedBytes() throws {
        let (item, consumed) = try CBORDecoder().decodePrefix(hex("a201020304" + "a0ff"))
        #expect(item[1] == CBOR(2))
        #expect(consumed == 5)
    }

    /// Random bytes, and random mutations of valid items, only ever decode or throw.
    @Test func randomInputsNeverCrash() {
        var random = SplitMix64(seed: 0x7472_6163_7400_0015)
        let decoder = CBORDecoder(maximumDepth: 16, maximumItems: 512, maximumInputSize: 4096)
        let seeds = ["a56161614161626142616361436164614461656145", "8301820203820405", "d82076687474703a2f2f7777772e6578616d706c652e636f6d"]
            .map(hex)
        var decoded = 0
        var refused = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                bytes = seeds[Int(random.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + random.next() % 4) where !bytes.isEmpty {
                    bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            do {
                _ = try decoder.decode(bytes)
                decoded += 1
            } catch {
                refused += 1
            }
        }
        #expect(decoded + refused == 20_000)
        #expect(decoded > 100 && refused > 100)
    }
}

/// A small deterministic generator, so a failing fuzz input can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9e37_79b9_7f4a_7c15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
