import Foundation
import Models
import Testing

@testable import PropertiesService

/// The signed copy's PDF (pure): a well-formed file whose cross-reference table points at each
/// object, whose page shows the certificate, and whose attachments are the originals byte for byte.
@Suite struct SigningCertificateTests {
    static let original: [UInt8] = Array("%PDF-1.4\n".utf8) + (0...255).map { UInt8($0) } + Array("\n%%EOF\n".utf8)

    static func pdf(lines: [SigningCertificatePDF.Line] = [("Signed by (name as typed)", "José (Pepe) O'Brien \\ 李")]) -> [UInt8] {
        SigningCertificatePDF.make(
            title: "Electronic signature certificate", lines: lines,
            attachments: [
                .init(name: "agreement.pdf", mimeType: "application/pdf", bytes: Self.original, description: "The document as signed"),
                .init(name: "signature-certificate.json", mimeType: "application/json", bytes: Array(#"{"a":1}"#.utf8), description: "JSON"),
            ])
    }

    @Test func theCrossReferenceTablePointsAtEveryObject() throws {
        let bytes = Self.pdf()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("%PDF-1.7\n"))
        #expect(text.hasSuffix("%%EOF\n"))
        // startxref gives the xref table's offset; each entry the offset of "n 0 obj".
        let startxref = try #require(text.range(of: "startxref\n", options: .backwards))
        let xrefOffset = try #require(Int(text[startxref.upperBound...].prefix { $0.isNumber }))
        let table = Array(bytes[xrefOffset...])
        let tableText = String(decoding: table, as: UTF8.self)
        #expect(tableText.hasPrefix("xref\n0 11\n0000000000 65535 f \n"))
        let entries = tableText.split(separator: "\n").dropFirst(3).prefix(10)
        for (index, entry) in entries.enumerated() {
            #expect(entry.count == 19, "each entry is 20 bytes with its newline")
            let offset = try #require(Int(entry.prefix(10)))
            let header = Array("\(index + 1) 0 obj\n".utf8)
            #expect(Array(bytes[offset..<(offset + header.count)]) == header, "object \(index + 1)")
        }
        #expect(text.contains("trailer\n<< /Size 11 /Root 1 0 R >>"))
        // The catalog lists both attachments, names in order, as the name tree requires.
        #expect(text.contains("/EmbeddedFiles << /Names [(agreement.pdf) 7 0 R (signature-certificate.json) 9 0 R] >>"))
    }

    @Test func theAttachmentsAreTheOriginalBytes() throws {
        let bytes = Self.pdf()
        let size = Self.original.count
        let marker = Array("/Type /EmbeddedFile /Subtype /application#2Fpdf /Params << /Size \(size) >> /Length \(size) >>\nstream\n".utf8)
        let at = try #require(Self.find(marker, in: bytes))
        let start = at + marker.count
        #expect(Array(bytes[start..<(start + Self.original.count)]) == Self.original)
        #expect(Array(bytes[(start + Self.original.count)...].prefix(10)) == Array("\nendstream".utf8))
    }

    @Test func thePageEscapesWhatItPrints() {
        let text = String(decoding: Self.pdf(), as: UTF8.self)
        // Parentheses and backslashes escaped, Latin-1 as octal (é is 351), the rest as "?".
        #expect(text.contains(#"(Jos\351 \(Pepe\) O'Brien \\ ?) '"#))
        #expect(SigningCertificatePDF.literal("a\u{0}b\nc") == "(a?b?c)")
        #expect(SigningCertificatePDF.literal("(x)") == #"(\(x\))"#)
    }

    @Test func longValuesWrapAndAFullPageIsCut() {
        let words = Array(repeating: "word", count: 60).joined(separator: " ")
        let wrapped = SigningCertificatePDF.wrap(words, at: 100)
        #expect(wrapped.allSatisfy { $0.count <= 100 })
        #expect(wrapped.joined(separator: " ") == words)
        #expect(SigningCertificatePDF.wrap(String(repeating: "x", count: 250), at: 100).map(\.count) == [100, 100, 50])
        let many = (0..<100).map { ("Line \($0)", "value") }
        let content = SigningCertificatePDF.content(title: "T", lines: many)
        #expect(content.components(separatedBy: " '\n").count - 1 == SigningCertificatePDF.maximumLines)
        #expect(content.contains(#"(\(continued in the attached signature-certificate.json\)) '"#))
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
