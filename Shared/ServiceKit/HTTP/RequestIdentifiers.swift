import Foundation
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

    /// The next 64-bit word.
    static func word() -> UInt64 {
        var z = Self.counter.wrappingAdd(0x9E37_79B9_7F4A_7C15, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `words` fresh words as lowercase hex (16 digits a word).
    static func hex(words: Int) -> String {
        (0..<words).flatMap { _ in Self.bytes(Self.word()) }.hexString
    }

    /// A random (version 4, RFC 9562) UUID in lowercase text, as `UUID().uuidString.lowercased()` reads.
    static func uuidText() -> String {
        var bytes = Self.bytes(Self.word()) + Self.bytes(Self.word())
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        let uuid = UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
        return uuid.uuidString.lowercased()
    }

    /// `word`'s eight bytes, most significant first.
    private static func bytes(_ word: UInt64) -> [UInt8] {
        withUnsafeBytes(of: word.bigEndian, Array.init)
    }
}
