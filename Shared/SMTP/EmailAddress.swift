/// A mailbox: an ASCII address (SMTPUTF8 is not negotiated) and an optional display name.
public struct EmailAddress: Sendable, Hashable {
    public let address: String
    public let name: String?

    /// Validates what must hold for the address to go into `MAIL FROM:<…>`, `RCPT TO:<…>` and a
    /// header without changing their meaning: one `@`, a non-empty local part and domain, printable
    /// ASCII without spaces, angle brackets or line breaks. Deliverability is the server's call.
    public init(_ address: String, name: String? = nil) throws(SMTPError) {
        let scalars = address.unicodeScalars
        let forbidden: Set<Character> = ["<", ">", " ", "\t", "\r", "\n", ",", ";", "\"", "(", ")", "\\"]
        guard address.utf8.count <= 254, scalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }),
            !address.contains(where: forbidden.contains),
            let at = address.lastIndex(of: "@"), address.firstIndex(of: "@") == at,
            at != address.startIndex, address.index(after: at) != address.endIndex
        else { throw .invalidAddress(address) }
        if let name, name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidHeader(name: "display name")
        }
        self.address = address
        self.name = name?.isEmpty == true ? nil : name
    }

    /// The domain, used for the Message-ID and the default EHLO name.
    public var domain: Substring { address[address.index(after: address.lastIndex(of: "@")!)...] }

    /// The header form: `"Tract" <hello@tract.example>`, the name as an encoded word when it is not
    /// plain ASCII.
    var headerValue: String {
        guard let name else { return address }
        return "\(HeaderEncoding.phrase(name)) <\(address)>"
    }
}
