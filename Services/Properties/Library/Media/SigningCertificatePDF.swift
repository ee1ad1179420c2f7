import Foundation

/// The signed copy of an electronically signed document (pure: bytes in, bytes out).
///
/// Why this format: a signed copy must show the signature and keep the signed document exactly as
/// the signer saw it. Stamping a page into the original PDF would rewrite its bytes (and the
/// original may be a Word file or an image, which cannot take a page at all). So the copy is a
/// small PDF 1.7 of its own: page 1 is the signature certificate (ESIGN Act, 15 U.S.C. §7001(d):
/// a record must be retained accurately and stay reproducible), and the original file is embedded
/// unchanged as an attachment (ISO 32000-1 §7.11.4 embedded file streams, under the catalog's
/// `/Names /EmbeddedFiles`), beside a JSON twin of the certificate with every value in full UTF-8.
/// Any PDF reader shows the page and offers both attachments; SHA-256 of the embedded original
/// equals the hash the signer was shown. Streams are stored uncompressed, so the original can be
/// read back by offset without an inflater.
enum SigningCertificatePDF {
    struct Attachment: Sendable {
        var name: String
        var mimeType: String
        var bytes: [UInt8]
        var description: String
    }

    /// A label and its value, printed as one block (long values wrap).
    typealias Line = (label: String, value: String)

    /// US Letter; the text block starts an inch from the top and wraps at about 100 characters.
    static let pageWidth = 612
    static let pageHeight = 792
    static let wrapColumn = 100
    /// A page holds this many text lines; a longer certificate is cut (the JSON twin holds it all).
    static let maximumLines = 60

    static func make(title: String, lines: [Line], attachments: [Attachment]) -> [UInt8] {
        var objects: [[UInt8]] = []
        // 1 catalog, 2 pages, 3 page, 4 font, 5 bold font, 6 content, then a filespec and its stream per attachment.
        let firstAttachment = 7
        let names = attachments.enumerated().sorted { $0.element.name < $1.element.name }.map { index, attachment in
            "\(Self.literal(attachment.name)) \(firstAttachment + 2 * index) 0 R"
        }
        objects.append(
            Array(
                "<< /Type /Catalog /Pages 2 0 R /PageMode /UseAttachments /Names << /EmbeddedFiles << /Names [\(names.joined(separator: " "))] >> >> >>"
                    .utf8))
        objects.append(Array("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8))
        objects.append(
            Array(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 \(Self.pageWidth) \(Self.pageHeight)] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
                    .utf8))
        objects.append(Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".utf8))
        objects.append(Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".utf8))
        objects.append(Self.stream(dictionary: "", Array(Self.content(title: title, lines: lines).utf8)))
        for (index, attachment) in attachments.enumerated() {
            let streamObject = firstAttachment + 2 * index + 1
            objects.append(
                Array(
                    ("<< /Type /Filespec /F \(Self.literal(attachment.name)) /UF \(Self.literal(attachment.name)) "
                        + "/Desc \(Self.literal(attachment.description)) /EF << /F \(streamObject) 0 R >> >>").utf8))
            let subtype = attachment.mimeType.replacingOccurrences(of: "/", with: "#2F")
            objects.append(
                Self.stream(
                    dictionary: "/Type /EmbeddedFile /Subtype /\(subtype) /Params << /Size \(attachment.bytes.count) >>", attachment.bytes))
        }
        // A file of ASCII around the streams; the xref gives each object's byte offset (ISO 32000-1 §7.5.4).
        var file = Array("%PDF-1.7\n".utf8)
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(file.count)
            file += Array("\(index + 1) 0 obj\n".utf8) + body + Array("\nendobj\n".utf8)
        }
        let xref = file.count
        var table = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { table += String(format: "%010d 00000 n \n", offset) }
        table += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return file + Array(table.utf8)
    }

    private static func stream(dictionary: String, _ bytes: [UInt8]) -> [UInt8] {
        Array("<< \(dictionary) /Length \(bytes.count) >>\nstream\n".utf8) + bytes + Array("\nendstream".utf8)
    }

    /// The page's text: the title in bold, then each label in bold over its wrapped value.
    static func content(title: String, lines: [Line]) -> String {
        var rows: [(bold: Bool, text: String)] = [(true, title), (false, "")]
        for line in lines {
            rows.append((true, line.label))
            for part in Self.wrap(line.value, at: Self.wrapColumn) { rows.append((false, part)) }
        }
        if rows.count > Self.maximumLines {
            rows = Array(rows.prefix(Self.maximumLines - 1)) + [(false, "(continued in the attached signature-certificate.json)")]
        }
        var text = "BT\n/F1 10 Tf\n12 TL\n72 \(Self.pageHeight - 72) Td\n"
        for row in rows {
            text += "/\(row.bold ? "F2" : "F1") 10 Tf\n\(Self.literal(row.text)) '\n"
        }
        return text + "ET"
    }

    /// Breaks at spaces where it can, hard at `column` where it cannot; line breaks in the value
    /// start new lines.
    static func wrap(_ value: String, at column: Int) -> [String] {
        var lines: [String] = []
        for paragraph in value.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: false) {
                var word = Substring(word)
                while word.count > column {
                    if !current.isEmpty {
                        lines.append(current)
                        current = ""
                    }
                    lines.append(String(word.prefix(column)))
                    word = word.dropFirst(column)
                }
                if current.isEmpty {
                    current = String(word)
                } else if current.count + 1 + word.count <= column {
                    current += " " + word
                } else {
                    lines.append(current)
                    current = String(word)
                }
            }
            lines.append(current)
        }
        return lines
    }

    /// A PDF literal string in WinAnsi (ISO 32000-1 §7.3.4.2, Annex D): printable ASCII as is with
    /// `\`, `(` and `)` escaped, Latin-1 letters as octal escapes, anything else (and control
    /// characters) as `?` — the page is for reading; the JSON attachment keeps the exact text.
    static func literal(_ text: String) -> String {
        var out = "("
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x5C, 0x28, 0x29: out += "\\" + String(Character(scalar))
            case 0x20..<0x7F: out += String(Character(scalar))
            case 0xA0...0xFF: out += "\\" + String(scalar.value, radix: 8)
            default: out += "?"
            }
        }
        return out + ")"
    }
}
