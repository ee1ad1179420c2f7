/// One server reply (RFC 5321 §4.2): a three-digit code and the text of each line, without the
/// code and separator. Multi-line replies (`250-…` then `250 …`) arrive as one reply.
public struct SMTPReply: Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var lines: [String]

    /// Set by the decoder when more bytes followed this reply in the same read. A reply to
    /// STARTTLS must be the last plaintext the server sends; anything after it is an injection
    /// attempt (CVE-2011-0411 class) and the client refuses to go on.
    public var wasFollowedByMoreData: Bool = false

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    public var isPositiveCompletion: Bool { (200..<300).contains(code) }
    public var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    public var isTransientFailure: Bool { (400..<500).contains(code) }

    public var description: String { "\(code) \(lines.joined(separator: " / "))" }

    /// The EHLO keywords after the greeting line, upper-cased (`STARTTLS`, `AUTH PLAIN LOGIN`, …).
    var extensions: [String] { lines.dropFirst().map { $0.uppercased() } }

    /// The SASL mechanisms an EHLO reply advertises, including the pre-standard `AUTH=` form.
    var authenticationMechanisms: Set<String> {
        var mechanisms = Set<String>()
        for line in extensions where line.hasPrefix("AUTH ") || line.hasPrefix("AUTH=") {
            mechanisms.formUnion(line.dropFirst(5).split(separator: " ").map(String.init))
        }
        return mechanisms
    }

    func advertises(_ keyword: String) -> Bool {
        extensions.contains { $0 == keyword || $0.hasPrefix(keyword + " ") }
    }
}

/// Assembles replies from lines. Pure, so the grammar is tested without a socket.
struct SMTPReplyParser {
    private var code: Int?
    private var lines: [String] = []

    /// At most this many lines in one reply: a server that never ends a reply cannot grow memory.
    static let maximumLines = 100

    enum Failure: Error, Equatable {
        case malformedLine(String)
        case codeChangedMidReply
        case tooManyLines
    }

    /// Feeds one line (without CRLF). Returns the reply when this line completes it.
    mutating func consume(_ line: String) throws(Failure) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0..<3].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else { throw .malformedLine(String(line.prefix(80))) }
        let lineCode = Int(String(decoding: bytes[0..<3], as: UTF8.self))!
        if let code, code != lineCode { throw .codeChangedMidReply }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard lines.count <= Self.maximumLines else { throw .tooManyLines }
        let isLast = bytes.count == 3 || bytes[3] == UInt8(ascii: " ")
        guard isLast else { return nil }
        defer { self = SMTPReplyParser() }
        return SMTPReply(code: lineCode, lines: lines)
    }
}
