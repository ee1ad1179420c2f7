import Testing
import WebAuthn

@Suite struct WebAuthnPlaceholderTests {
    @Test func moduleLinks() { _ = WebAuthn.self }
}
