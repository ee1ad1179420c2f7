import Foundation
import Models
import Testing

@testable import ServiceKit

/// The one-pass reader of bodies into `JSONValue`: the value Foundation reads when it answers,
/// and nil (the checked slow path) for everything the body checks decide.
@Suite struct JSONTreeTests {
    @Test(arguments: [
        #"{"a": 1, "b": [true, false, null], "c": {"d": "e", "f": []}, "g": {}}"#,
        " \t\r\n[1, -2, 3.5, 1e3, 1E+2, -0.25e-2, 123456789012345, 1234567890123456789, 0, -0, 9007199254740993, 0.1]\n",
        #""\u00e9\ud83d\ude00 \" \\ \/ \b\f\n\r\t é 😀 \u2028 \u001f""#,
        #"{"events":[{"id":"0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5f","name":"page_viewed","anonymous_id":"v-1","page_url":"https:\/\/tract.dev\/x","properties":{"path":"/x","n":9007199254740991,"nested":{"a":[1,{"b":2}]}}}]}"#,
        "{}", "[]", #""""#, "true", "false", "null", "0.5", "-12", "17",
        #"{"taxRate": 1, "tax_rates": 2, "TAX": 3, "a_": 4, "b": 5}"#,
    ])
    func readsWhatFoundationReads(body: String) throws {
        let bytes = Array(body.utf8)
        let fast = try #require(JSONTree.parse(bytes))
        let slow = try JSONDecoder.tract.decode(JSONValue.self, from: Data(bytes))
        #expect(fast == slow)
        #expect(try RequestJSON.decode(JSONValue.self, from: bytes) == slow)
    }

    @Test(arguments: [
        #"{"a": 1, "a": 2}"#, #"{"tax_rate": 1, "taxRate": 2}"#, #"{"a": "x\u0000y"}"#, "1e400", "[-1e400]", "[1e-400]", "01", "[-01]",
        "[1,]", "[1 2]", #"{"a" 1}"#, #"{"a": 1,}"#, #"{"é": 1}"#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, "[1] x", "[", "",
        "\"\u{01}\"", #""\x""#, "1.", ".5", "-", "1e", "+1", "tru", "nul", "[true false]",
        String(repeating: "[", count: 70) + String(repeating: "]", count: 70),
    ])
    func leavesTheRestToTheChecks(body: String) {
        // `== nil` would also match a JSON null, which `JSONValue` reads the literal as.
        #expect(JSONTree.parse(Array(body.utf8)).map { _ in true } == nil)
    }

    @Test func leavesBadUTF8ToTheChecks() {
        #expect(JSONTree.parse([0x22, 0xFF, 0x22]).map { _ in true } == nil)
        #expect(JSONTree.parse([0x7B, 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D]).map { _ in true } == nil)
    }

    /// What the checks answer is what they answered before the fast reader existed.
    @Test func theChecksStillAnswerForWhatItLeaves() throws {
        #expect(throws: Problem.self) { try RequestJSON.decode(JSONValue.self, from: Array(#"{"a": 1, "a": 2}"#.utf8)) }
        #expect(throws: Problem.self) { try RequestJSON.decode(JSONValue.self, from: Array(#"{"a": "x\u0000"}"#.utf8)) }
        #expect(throws: Problem.self) { try RequestJSON.decode(JSONValue.self, from: Array(#"{"n": 1e400}"#.utf8)) }
        #expect(throws: Problem.self) { try RequestJSON.decode(JSONValue.self, from: Array("[1,]".utf8)) }
    }
}

/// `BodyFields`' shortcuts answer as Foundation does where they answer at all.
@Suite struct BodyFieldsShortcutTests {
    @Test(arguments: [
        "0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5f", "0B6A4F62-3F4E-4B9E-9D5E-0F1F2F3F4F5F", "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ])
    func canonicalUUIDsReadAsFoundationReadsThem(text: String) throws {
        #expect(BodyFields.canonicalUUID(text) == (try #require(UUID(uuidString: text))))
    }

    @Test(arguments: [
        "", "0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5", "0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5f0", "0b6a4f62x3f4e-4b9e-9d5e-0f1f2f3f4f5f",
        "0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5g", "{0b6a4f62-3f4e-4b9e-9d5e-0f1f2f3f4f5f}", "0b6a4f623f4e4b9e9d5e0f1f2f3f4f5f",
    ])
    func otherTextIsLeftToFoundation(text: String) {
        #expect(BodyFields.canonicalUUID(text) == nil)
    }

    @Test(arguments: ["a", "page_viewed", "https://tract.dev/x?a=1 b", "x y", "~!"])
    func plainASCIINeedsNoTrimming(text: String) {
        #expect(BodyFields.plainASCIILength(text) == text.count)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == text)
    }

    @Test(arguments: ["", " a", "a ", "a\tb", "é", "a\u{7F}", "\u{A0}a", "a\n"])
    func anythingElseTakesTheGeneralRules(text: String) {
        #expect(BodyFields.plainASCIILength(text) == nil)
    }
}
