import Foundation
import HTTPTypes
import Models
import ServiceKit

/// What an upload is, judged from its bytes (the client's `Content-Type` and file name are only
/// checked against it), and what each kind of upload accepts.
struct FileKind: Sendable, Equatable {
    /// The media type sent back on download.
    var mimeType: String
    /// File-name extensions that agree with it.
    var extensions: Set<String>
    /// Image pixel size, when the header says.
    var width: Int?
    var height: Int?

    var isImage: Bool { self.mimeType.hasPrefix("image/") }

    /// Photos: what browsers show everywhere.
    static let photoTypes: Set = ["image/png", "image/jpeg", "image/gif", "image/webp"]
    /// Documents: PDFs, images and Office files (ZIP containers, named by their declared type).
    static let documentTypes: Set = photoTypes.union(["application/pdf", "application/zip"]).union(officeTypes.keys)
    static let officeTypes: [String: String] = [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    ]

    /// Reads the leading bytes: `nil` when they are no kind this service stores.
    static func inspect(_ head: [UInt8]) -> FileKind? {
        guard let sniffed = MediaInspection.sniff(head) else { return nil }
        var kind = FileKind(mimeType: sniffed.mimeType, extensions: sniffed.extensions)
        if let size = MediaInspection.imageSize(head, mimeType: sniffed.mimeType) {
            kind.width = size.width
            kind.height = size.height
        }
        return kind
    }

    /// Checks what the client said against the bytes. Returns the type to record (a ZIP declared
    /// as an Office file keeps the Office type) or throws a problem naming the field that lies.
    func reconciled(declaredType: String?, fileName: String?) throws -> FileKind {
        var kind = self
        if let declared = declaredType.map(FileKind.mediaType(of:)), !FileKind.saysNothing(declared), declared != self.mimeType {
            if self.mimeType == "application/zip", let ext = FileKind.officeTypes[declared] {
                kind.mimeType = declared
                kind.extensions = [ext]
            } else {
                throw Problem.typeMismatch(field: "content_type", "says \(declared) but the bytes are \(self.mimeType)")
            }
        }
        if let fileName, let dot = fileName.lastIndex(of: ".") {
            let ext = fileName[fileName.index(after: dot)...].lowercased()
            if !ext.isEmpty, !kind.extensions.contains(ext),
                FileKind.knownExtensions.contains(ext)
            {
                throw Problem.typeMismatch(field: "file_name", "ends in .\(ext) but the bytes are \(kind.mimeType)")
            }
        }
        return kind
    }

    /// Extensions that name a type, so a file name claiming one that disagrees is refused; other
    /// extensions (`.final`, `.v2`) say nothing about the type.
    static let knownExtensions: Set = [
        "png", "jpg", "jpeg", "jpe", "gif", "webp", "pdf", "zip", "docx", "xlsx", "pptx", "doc", "xls", "ppt",
        "bmp", "tif", "tiff", "svg", "heic", "txt", "html", "htm", "exe", "js",
    ]

    /// `image/PNG; charset=x` → `image/png`.
    static func mediaType(of header: String) -> String {
        (header.split(separator: ";").first.map(String.init) ?? header).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Types a client sends when it does not know (raw uploads from curl, generic clients).
    static func saysNothing(_ mediaType: String) -> Bool {
        mediaType.isEmpty || mediaType == "application/octet-stream" || mediaType == "binary/octet-stream"
    }
}

extension Problem {
    /// 415 naming the field whose claim the bytes contradict.
    static func typeMismatch(field: String, _ message: String) -> Problem {
        Problem(
            .unsupportedMediaType,
            detail: "The file's bytes do not match what the request says it is.",
            errors: [.init(field: field, message: message)],
            type: "https://tract.dev/problems/type-mismatch"
        )
    }
}
