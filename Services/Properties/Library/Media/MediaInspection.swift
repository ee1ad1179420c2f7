/// Content types from leading bytes ("magic numbers") and image sizes from file headers, without
/// decoding any pixels. Pure, and tested alone.
///
/// The type is decided from the bytes and never from the file name or the `Content-Type` a client
/// claims, so a renamed or mislabelled upload is stored, served and thumbnailed as what it is.
enum MediaInspection {
    /// A type recognised from the bytes.
    struct Sniffed: Sendable, Hashable {
        /// The type to store and serve the file as.
        var mimeType: String
        /// The extension to give a stored copy, without the dot.
        var defaultExtension: String
        /// Every extension that agrees with the type (`jpg`, `jpeg`, `jpe`), the default among them.
        var extensions: Set<String>

        init(mimeType: String, defaultExtension: String, otherExtensions: Set<String> = []) {
            self.mimeType = mimeType
            self.defaultExtension = defaultExtension
            self.extensions = otherExtensions.union([defaultExtension])
        }

        static let png = Sniffed(mimeType: "image/png", defaultExtension: "png")
        static let jpeg = Sniffed(mimeType: "image/jpeg", defaultExtension: "jpg", otherExtensions: ["jpeg", "jpe"])
        static let gif = Sniffed(mimeType: "image/gif", defaultExtension: "gif")
        static let webp = Sniffed(mimeType: "image/webp", defaultExtension: "webp")
        static let pdf = Sniffed(mimeType: "application/pdf", defaultExtension: "pdf")
        /// Also the container of docx, xlsx and pptx, which the caller tells apart by what was declared.
        static let zip = Sniffed(mimeType: "application/zip", defaultExtension: "zip")
        static let mp4 = Sniffed(mimeType: "video/mp4", defaultExtension: "mp4", otherExtensions: ["m4v"])
        static let quickTime = Sniffed(mimeType: "video/quicktime", defaultExtension: "mov", otherExtensions: ["qt"])
        /// Anything else: served as opaque bytes, never rendered.
        static let unknown = Sniffed(mimeType: "application/octet-stream", defaultExtension: "bin")
    }

    /// The type of a file from its leading bytes (16 are enough); `nil` when it is none of the
    /// known types. Signatures from each format's specification, as the WHATWG MIME Sniffing
    /// Standard lists them.
    static func sniff(_ bytes: [UInt8]) -> Sniffed? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return .gif }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return .webp }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if starts(Array("ftyp".utf8), at: 4), bytes.count >= 12 { return isoMedia(bytes) }
        return nil
    }

    /// Like `sniff`, but never nil: what is not recognised is `application/octet-stream`.
    static func contentType(of bytes: [UInt8]) -> Sniffed {
        sniff(bytes) ?? .unknown
    }

    /// ISO base media files (ISO/IEC 14496-12: MP4, QuickTime) open with an `ftyp` box whose major
    /// brand names the flavour. HEIF/AVIF images and M4A audio share the container but are not
    /// video, so they are not taken for MP4.
    private static func isoMedia(_ bytes: [UInt8]) -> Sniffed? {
        let size = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        // The box holds at least its size, type and major brand; 1 means a 64-bit size follows.
        guard size == 1 || size >= 12 else { return nil }
        switch String(decoding: bytes[8..<12], as: UTF8.self) {
        case "qt  ": return .quickTime
        case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis", "M4A ", "M4B ", "M4P ":
            return nil
        default: return .mp4
        }
    }
}
