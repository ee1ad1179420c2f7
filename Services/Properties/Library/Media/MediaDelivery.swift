import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import ServiceKit

/// A stored file as its row describes it: enough to answer a download without asking storage for
/// anything but the bytes.
struct StoredFile: Sendable {
    var key: MediaKey
    var size: Int
    var mimeType: String
    var sha256: String
    /// Sent in `Content-Disposition`; documents download as attachments, photos show inline.
    var fileName: String?
    var attachment: Bool
}

/// Serves stored files: sniffed `Content-Type`, the SHA-256 as a strong `ETag`, `304` for a
/// current copy, single byte ranges (`206`, `416`).
struct MediaDelivery: Sendable {
    let storage: any MediaStorage
    let signedURLLifetime: Duration

    func respond(with file: StoredFile, to request: Request, logger: Logger) async throws -> Response {
        let etag = "\"\(file.sha256)\""
        var headers: HTTPFields = [
            .eTag: etag,
            .acceptRanges: "bytes",
            // Private: whether a caller may see a file depends on who they are.
            .cacheControl: "private, max-age=0, must-revalidate",
        ]
        let plan = DownloadPlan.make(
            size: file.size, etag: etag, ifNoneMatch: request.headers[.ifNoneMatch], range: request.headers[.range],
            ifRange: request.headers[.ifRange]
        )
        if plan == .notModified { return Response(status: .notModified, headers: headers) }
        if plan == .unsatisfiable {
            throw Problem(
                .rangeNotSatisfiable,
                detail: "The range starts after the file's last byte (the file has \(file.size) bytes).",
                headers: [.contentRange: "bytes */\(file.size)"]
            )
        }
        // `?redirect=true` with a backend that signs URLs: the client fetches from storage directly.
        if try Self.wantsRedirect(request),
            let url = try self.storage.signedURL(for: file.key, lifetime: self.signedURLLifetime)
        {
            return Response(status: .temporaryRedirect, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
        }
        headers[.contentType] = file.mimeType
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentDisposition] = Self.disposition(file)
        let range: ClosedRange<Int>?
        if case .partial(let offsets) = plan { range = offsets } else { range = nil }
        let stream: AsyncThrowingStream<ByteBuffer, any Error>
        do {
            stream = try await self.storage.read(file.key, range: range)
        } catch MediaStorageError.missing {
            logger.error("stored object missing", metadata: ["key": .string(file.key.path)])
            throw Problem(.notFound, detail: "The file's bytes are missing from storage.")
        }
        if let range {
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(file.size)"
            headers[.contentLength] = String(range.count)
            return Response(status: .partialContent, headers: headers, body: ResponseBody(asyncSequence: stream))
        }
        headers[.contentLength] = String(file.size)
        return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: stream))
    }

    /// RFC 6266, with the name reduced to safe ASCII (it came from a client).
    /// `?redirect=true` or `false` (the default); anything else is refused, naming the parameter,
    /// rather than quietly read as `false`.
    static func wantsRedirect(_ request: Request) throws -> Bool {
        var errors = FieldErrors()
        let redirect = request.uri.queryParameters.flag("redirect", errors: &errors)
        try errors.check()
        return redirect ?? false
    }

    static func disposition(_ file: StoredFile) -> String {
        ContentDisposition.value(attachment: file.attachment, fileName: file.fileName)
    }
}

/// `/v1/media/…`: the bytes of photos, document versions and share links, each served by
/// `MediaDelivery` to whoever may read the record they belong to.
struct MediaFileController: RouteController {
    let photos: PhotoController
    let documents: DocumentController
    let shares: DocumentShareStore
    let delivery: MediaDelivery

    /// Mounted at `/v1/media`.
    var publicEndpoints: RouteCollection<TractRequestContext> {
        RouteCollection(context: TractRequestContext.self)
            .get("photos/:photo_id", use: self.photo)
            .get("documents/:id", use: self.document)
            .get("shares/:token", use: self.shared)
    }

    @Sendable func photo(_ request: Request, context: TractRequestContext) async throws -> Response {
        let photo = try await self.photos.readablePhoto(context)
        return try await self.delivery.respond(with: photo.file, to: request, logger: context.logger)
    }

    @Sendable func document(_ request: Request, context: TractRequestContext) async throws -> Response {
        let (document, _) = try await self.documents.readable(context, forDownload: true)
        return try await self.delivery.respond(with: document.file, to: request, logger: context.logger)
    }

    /// A link share: no account, only the token.
    @Sendable func shared(_ request: Request, context: TractRequestContext) async throws -> Response {
        let file = try await self.shares.redeem(token: try context.parameters.require("token"), logger: context.logger)
        return try await self.delivery.respond(with: file, to: request, logger: context.logger)
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
}

/// Reads the property a media route is about and applies the listing's own access rules to it:
/// a file is visible to whoever sees its property; uploads and changes are for its editors.
struct PropertyGate: Sendable {
    let properties: PropertyStore

    /// 404 when the caller may not see the property (its existence is not theirs to learn).
    func readable(_ id: UUID, access: PropertyAccess, logger: Logger) async throws -> Property {
        guard let record = try await self.properties.find(id.uuidString, logger: logger), access.canRead(record.property) else {
            throw Problem.notFound("No property has this id.")
        }
        return record.property
    }

    /// 404 as above; 403 when the caller sees it but may not change it.
    func editable(_ id: UUID, access: PropertyAccess, logger: Logger) async throws -> Property {
        let property = try await self.readable(id, access: access, logger: logger)
        guard access.canEdit(property) else {
            throw Problem.forbidden("Only the property's sponsor or an admin may change its media.")
        }
        return property
    }
}

extension Parameters {
    /// A query parameter's value; an empty one counts as absent.
    func nonEmpty(_ name: String) -> String? {
        guard let value = self.get(name), !value.isEmpty else { return nil }
        return value
    }

    /// A `true`/`false` query parameter: nil when absent; anything else (empty included) is named
    /// in `errors`. The one reading of the media routes' flags (`is_primary`,
    /// `requires_signature`, `redirect`).
    func flag(_ name: String, errors: inout FieldErrors) -> Bool? {
        switch self.get(name) {
        case nil: return nil
        case "true": return true
        case "false": return false
        default:
            errors.add(name, "must be true or false")
            return nil
        }
    }
}

extension Request {
    /// The declared length, when one was sent: an upload that says it is too large is refused
    /// before a byte is read.
    func refuseDeclaredLength(above limit: Int) throws {
        if let declared = self.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw Problem.uploadTooLarge(limit: limit)
        }
    }
}
