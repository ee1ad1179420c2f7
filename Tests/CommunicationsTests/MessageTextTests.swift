import Testing

@testable import CommunicationsService

/// The body rules alone: what is stored, what is refused and why.
@Suite struct MessageTextTests {
    @Test(arguments: [
        ("hello", "hello"),
        ("  padded\n", "padded"),
        ("two\r\nlines", "two\nlines"),
        ("tab\there", "tab\there"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("héllo 👋🏽", "héllo 👋🏽"),
    ])
    func keepsPlainText(_ raw: String, _ stored: String) {
        #expect(MessageText.check(raw, maxCharacters: 40) == .success(stored))
    }

    @Test(arguments: [
        ("", "must not be empty"),
        (" \n\t ", "must not be empty"),
        ("123456789012345678901", "must be at most 20 characters"),
        ("nul\u{0}", "must not contain control characters (line breaks and tabs are fine)"),
        ("bell\u{7}", "must not contain control characters (line breaks and tabs are fine)"),
        ("lone\rreturn", "must not contain control characters (line breaks and tabs are fine)"),
        ("c1\u{85}next", "must not contain control characters (line breaks and tabs are fine)"),
    ])
    func refuses(_ raw: String, _ message: String) {
        #expect(MessageText.check(raw, maxCharacters: 20) == .failure(.init(message)))
    }

    /// Code points, as the document's `maxLength` counts them, not bytes: ten waving hands with a
    /// skin tone (two code points each, eight bytes) fit in twenty; eleven do not.
    @Test func countsCodePoints() {
        #expect((try? MessageText.check(String(repeating: "👋🏽", count: 10), maxCharacters: 20).get()) != nil)
        #expect(MessageText.check(String(repeating: "👋🏽", count: 11), maxCharacters: 20) == .failure(.init("must be at most 20 characters")))
    }
}
