import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Models
import NIOCore
import PostgresNIO
import ServiceKit

/// `/v1/verifications/{id}/evidence`: the files an investor attaches to their own verification
/// (tax returns, statements, a licence) for staff to judge "reasonable steps" under SEC Rule
/// 506(c)(2)(ii). Only the investor and staff see them: the files live in investments'
/// `accreditation_files`, not in media, so no share can leak them (see the 0008 migration).
struct AccreditationEvidenceController: Sendable {
    let files: AccreditationFiles
    let settings: AccreditationSettings

    /// Mounted at `/v1/verifications/:id/evidence`.
    var endpoints: RouteCollection<AuthenticatedContext> {
        RouteCollection(context: AuthenticatedContext.self)
            .post(use: self.upload)
            .get(use: self.list)
            .get(":file_id", use: self.download)
    }

    /// The raw file as the body (PDF, PNG or JPEG), its name in `?file_name=`.
    @Sendable func upload(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let userID = try context.identity.requireUser("Only the investor attaches evidence.")
        let id = try context.parameters.uuid("id", "verification")
        try await self.files.requireOwn(id, by: userID, logger: context.logger)
        let upload = try await AccreditationUpload.receive(request, limit: self.settings.maxFileBytes)
        let text = try await self.files.attachEvidence(upload, to: id, by: userID, logger: context.logger)
        return JSONDocument(text, status: .created)
    }

    @Sendable func list(_ request: Request, context: AuthenticatedContext) async throws -> JSONDocument {
        let id = try context.parameters.uuid("id", "verification")
        let page = try PageRequest(request, order: AccreditationFiles.newestUpload)
        return try await self.files.list(of: id, visibleTo: context.identity, page: page, logger: context.logger)
    }

    @Sendable func download(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let id = try context.parameters.uuid("id", "verification")
        let fileID = try context.parameters.uuid("file_id", "file")
        let file = try await self.files.file(fileID, of: id, visibleTo: context.identity, logger: context.logger)
        let headers: HTTPFields = [
            .contentType: file.contentType,
            .contentDisposition: "attachment; filename=\"\(file.fileName)\"",
            .cacheControl: "private, no-store",
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: "default-src 'none'",
            .eTag: "\"\(file.sha256)\"",
        ]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file.content)))
    }
}

/// A file received in a request body: its type told from its bytes, its name from `?file_name=`.
struct AccreditationUpload: Sendable {
    var fileName: String
    var contentType: String
    var bytes: [UInt8]
    var sha256: String

    static func receive(_ request: Request, limit: Int) async throws -> AccreditationUpload {
        let tooLarge = Problem(
            .contentTooLarge, detail: "The file is larger than the limit of \(limit) bytes.",
            errors: [.init(field: "file", message: "must be at most \(limit) bytes")])
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        let name = request.uri.queryParameters["file_name"].map(String.init)
        var errors = FieldErrors()
        if let name {
            if let problem = AccreditationRules.fileNameProblem(name) { errors.add("file_name", problem) }
        } else {
            errors.add("file_name", "is required: the file's name, e.g. letter.pdf")
        }
        try errors.check()
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw tooLarge
        }
        let bytes = Array(buffer.readableBytesView)
        guard !bytes.isEmpty else { throw Problem.validation(field: "file", "is empty: send the file as the request body") }
        guard let type = AccreditationRules.contentType(of: bytes) else {
            throw Problem(
                .unsupportedMediaType, detail: "Evidence must be a PDF, PNG or JPEG file.",
                errors: [.init(field: "file", message: "is not a PDF, PNG or JPEG")], type: "https://tract.dev/problems/type-mismatch")
        }
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        return AccreditationUpload(fileName: name ?? "", contentType: type, bytes: bytes, sha256: digest)
    }
}

/// `investments.accreditation_files`: evidence and verifier letters, readable by the verification's
/// investor and by staff only.
struct AccreditationFiles: Sendable {
    let postgres: PostgresClient
    let clock: ServiceClock
    let ids: IDGenerator

    /// A verification holds at most this many evidence files: enough for two years of returns and
    /// statements, not a file store.
    static let maximumPerVerification = 20

    /// Evidence lists, newest upload first.
    static let newestUpload = Keyset("newest_upload", key: "x.uploaded_at", type: "timestamptz", descending: true)

    /// A file's JSON (never its bytes), of the row aliased `x`.
    static let fileDocument = """
        jsonb_build_object('id', x.id, 'verification_id', x.verification_id, 'source', x.source, 'file_name', x.file_name,
            'content_type', x.content_type, 'file_size', x.file_size, 'sha256', x.sha256,
            'uploaded_at', investments.rfc3339(x.uploaded_at))::text
        """

    struct StoredFile: Sendable {
        var fileName: String
        var contentType: String
        var sha256: String
        var content: [UInt8]
    }

    /// 404 unless `verification` is the user's own, before an upload is read or checked, so someone
    /// else's verification answers the same whatever the request holds. `attachEvidence` checks again.
    func requireOwn(_ verification: UUID, by user: UUID, logger: Logger) async throws {
        let rows = try await self.postgres.query(
            "SELECT true FROM investments.verifications WHERE id = \(verification) AND user_id = \(user)", logger: logger)
        for try await _ in rows.decode(Bool.self) { return }
        throw Problem.notFound("No verification of yours has this id.")
    }

    /// Adds the investor's file to their own verification while staff have not yet decided it.
    func attachEvidence(_ upload: AccreditationUpload, to verification: UUID, by user: UUID, logger: Logger) async throws -> String {
        try await self.postgres.transaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT status, (SELECT count(*) FROM investments.accreditation_files WHERE verification_id = v.id)
                FROM investments.verifications v WHERE v.id = \(verification) AND v.user_id = \(user) FOR UPDATE
                """,
                logger: logger
            )
            var found: (String, Int64)?
            for try await row in rows.decode((String, Int64).self) { found = row }
            guard let (status, count) = found else { throw Problem.notFound("No verification of yours has this id.") }
            guard ["pending", "pending_review"].contains(status) else {
                throw Problem.conflict("This verification was already decided; submit a new one to send more evidence.")
            }
            guard count < Self.maximumPerVerification else {
                throw Problem.conflict("A verification holds at most \(Self.maximumPerVerification) files.")
            }
            return try await self.insert(upload, verification: verification, user: user, source: "investor", on: connection, logger: logger)
        }
    }

    func insert(
        _ upload: AccreditationUpload, verification: UUID, user: UUID, source: String, on connection: PostgresConnection, logger: Logger
    ) async throws -> String {
        let rows = try await connection.query(
            """
            INSERT INTO investments.accreditation_files AS x
                (id, verification_id, user_id, source, file_name, content_type, file_size, sha256, content, uploaded_at)
            VALUES (\(self.ids.next()), \(verification), \(user), \(source), \(upload.fileName), \(upload.contentType),
                    \(upload.bytes.count), \(upload.sha256), \(ByteBuffer(bytes: upload.bytes)), \(self.clock.now))
            RETURNING \(unescaped: Self.fileDocument)
            """,
            logger: logger
        )
        for try await text in rows.decode(String.self) { return text }
        throw Problem.conflict("The file could not be stored; try again.")
    }

    /// A page of the verification's files (without their bytes), newest first: its investor's and
    /// staff's only.
    func list(of verification: UUID, visibleTo identity: Identity, page: PageRequest, logger: Logger) async throws -> JSONDocument {
        let visible = try await self.postgres.query(
            """
            SELECT 1 FROM investments.verifications v
            WHERE v.id = \(verification) AND (\(identity.has(role: .admin)) OR v.user_id = \(identity.userID))
            """,
            logger: logger
        )
        var found = false
        for try await _ in visible { found = true }
        guard found else { throw Problem.notFound("No verification has this id.") }
        var binds = SQLBinds()
        let sql = """
            SELECT \(Self.fileDocument), \(page.selectKey), x.id
            FROM investments.accreditation_files x
            WHERE x.verification_id = \(binds.add(verification)) AND \(page.after(&binds))
            ORDER BY \(page.orderBy) LIMIT \(page.fetchLimit)
            """
        return try await self.postgres.documentPage(binds.query(sql), page, logger: logger)
    }

    func file(_ id: UUID, of verification: UUID, visibleTo identity: Identity, logger: Logger) async throws -> StoredFile {
        let rows = try await self.postgres.query(
            """
            SELECT f.file_name, f.content_type, f.sha256, f.content
            FROM investments.accreditation_files f JOIN investments.verifications v ON v.id = f.verification_id
            WHERE f.id = \(id) AND f.verification_id = \(verification) AND (\(identity.has(role: .admin)) OR v.user_id = \(identity.userID))
            """,
            logger: logger
        )
        for try await (name, type, sha, content) in rows.decode((String, String, String, ByteBuffer).self) {
            return StoredFile(fileName: name, contentType: type, sha256: sha, content: Array(content.readableBytesView))
        }
        throw Problem.notFound("No file has this id.")
    }
}
