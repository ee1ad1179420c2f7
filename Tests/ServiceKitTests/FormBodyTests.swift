import Foundation
import HTTPTypes
import Models
import Testing

@testable import ServiceKit

/// `application/x-www-form-urlencoded` bodies are parsed by hand: whatever a client sends is
/// fields or a 4xx, never a trap (issue 11, item 1).
@Suite struct FormBodyTests {
    @Test func decodesPlusPercentEscapesAndEmptyValues() throws {
        let fields = try FormBody.parse(Array("grant_type=password&email=ann%40example.com&password=a+b%2Bc%20d&scope=&flag".utf8))
        #expect(fields == ["grant_type": "password", "email": "ann@example.com", "password": "a b+c d", "scope": "", "flag": ""])
        #expect(try FormBody.parse(Array("".utf8)).isEmpty)
        #expect(try FormBody.parse(Array("&&a=%C3%A9&".utf8)) == ["a": "é"])
        // A raw space, `#` or `=` in a value is taken as it is: only `%` must be well-formed.
        #expect(try FormBody.parse(Array("email=a b#c&x=1=2".utf8)) == ["email": "a b#c", "x": "1=2"])
    }

    @Test(arguments: [
        Array("email=100%".utf8),
        Array("email=%zz".utf8),
        Array("email=%4".utf8),
        Array("email=%C3".utf8),  // a percent-escape of half a UTF-8 character
        Array("email=%FF%FE".utf8),
        [0x65, 0x3D, 0xFF, 0xFE],  // raw bytes that are not UTF-8
        Array("a=1&a=2".utf8),
        Array("=value".utf8),
    ])
    func refusesWhatIsNotAFormAsA400(body: [UInt8]) {
        #expect {
            try FormBody.parse(body)
        } throws: { error in
            (error as? Problem)?.status == .badRequest && (error as? Problem)?.type == "https://tract.dev/problems/malformed-form"
        }
    }

    @Test func refusesNULAs422NamingTheField() {
        #expect {
            try FormBody.parse(Array("email=a%00b".utf8))
        } throws: { error in
            (error as? Problem)?.status == .unprocessableContent && (error as? Problem)?.errors.first?.field == "email"
        }
    }
}
