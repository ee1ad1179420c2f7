import CBOR
import Testing

@Suite struct CBORPlaceholderTests {
    @Test func nullIsNull() { #expect(CBOR.null == .null) }
}
