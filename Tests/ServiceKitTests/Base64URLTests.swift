import Foundation
import Testing

@testable import ServiceKit

/// The kit's byte-level base64url against Foundation's base64 (the reference it replaced), for
/// every length around the 3-byte group boundaries, and what it refuses.
@Suite struct Base64URLTests {
    static func reference(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    @Test(arguments: 0...40)
    func encodingMatchesFoundationAndRoundTrips(length: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = SecretToken.base64URL(bytes)
            #expect(encoded == Self.reference(bytes))
            #expect(SecretToken.bytes(base64URL: encoded).map(Array.init) == bytes)
        }
    }

    @Test func everyByteValueSurvives() {
        let bytes = (0...255).map(UInt8.init)
        #expect(SecretToken.bytes(base64URL: SecretToken.base64URL(bytes)).map(Array.init) == bytes)
        #expect(SecretToken.base64URL([0xFB, 0xFF]) == "-_8")
    }

    @Test(arguments: ["a", "abcde", "ab+c", "ab/c", "ab==", "YQ=", "a b", "é", "ab\0c"])
    func anythingButUnpaddedBase64URLIsRefused(text: String) {
        #expect(SecretToken.bytes(base64URL: text) == nil)
    }
}
