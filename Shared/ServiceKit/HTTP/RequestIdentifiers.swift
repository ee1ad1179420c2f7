import Synchronization

/// Fresh request ids and trace/span ids without a system call each (issue 19: `UUID()` and
/// `SystemRandomNumberGenerator` each ask the kernel for randomness, four `getrandom` calls for a
/// request that arrives without ids, a visible share of `GET /health/live` in the profile).
///
/// SplitMix64 over one atomic counter seeded from the system generator: the mix is a bijection of
/// the counter, so no word repeats within 2^64 draws, and the words are evenly spread, which is all
/// W3C Trace Context asks of trace ids and all logs ask of request ids. Neither is a secret and
/// nothing is authorised by one; secrets and tokens keep using the system generator.
enum RequestIdentifiers {
    private static let counter = Atomic<UInt64>(UInt64.random(in: .min ... .max))
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The next 64-bit word.
    static func word() -> UInt64 {
        var z = Self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `words` fresh words as lowercase hex (16 digits a word).
    static func hex(words: Int) -> String {
        String(unsafeUninitializedCapacity: words * 16) { text in
            for index in 0..<words {
                Self.writeHex(Self.word(), digits: 16, into: text, at: index * 16)
            }
            return words * 16
        }
    }

    /// A random (version 4, RFC 9562) UUID in lowercase text, as `UUID().uuidString.lowercased()` reads.
    static func uuidText() -> String {
        let high = (Self.word() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (Self.word() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { text in
            Self.writeHex(high >> 32, digits: 8, into: text, at: 0)
            text[8] = UInt8(ascii: "-")
            Self.writeHex(high >> 16, digits: 4, into: text, at: 9)
            text[13] = UInt8(ascii: "-")
            Self.writeHex(high, digits: 4, into: text, at: 14)
            text[18] = UInt8(ascii: "-")
            Self.writeHex(low >> 48, digits: 4, into: text, at: 19)
            text[23] = UInt8(ascii: "-")
            Self.writeHex(low, digits: 12, into: text, at: 24)
            return 36
        }
    }

    /// The low `digits` hex digits of `value`, most significant first, at `offset`.
    private static func writeHex(_ value: UInt64, digits: Int, into text: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        for position in 0..<digits {
            let shift = UInt64((digits - 1 - position) * 4)
            text[offset + position] = Self.hexDigits[Int(truncatingIfNeeded: (value >> shift) & 0x0F)]
        }
    }
}
