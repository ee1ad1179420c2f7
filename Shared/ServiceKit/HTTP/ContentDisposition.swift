/// `Content-Disposition` for a file a route serves (RFC 6266): `attachment` or `inline`, with the
/// stored name reduced to printable ASCII without quotes, backslashes, semicolons or slashes, at
/// most 200 characters, so a name chosen by an uploader cannot break out of the header.
public enum ContentDisposition {
    public static func value(attachment: Bool, fileName: String?) -> String {
        let kind = attachment ? "attachment" : "inline"
        guard let fileName else { return kind }
        let safe = String(
            fileName.unicodeScalars.map { scalar -> Character in
                scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F && !"\"\\;/".unicodeScalars.contains(scalar)
                    ? Character(scalar) : "_"
            }.prefix(200))
        return "\(kind); filename=\"\(safe)\""
    }
}
