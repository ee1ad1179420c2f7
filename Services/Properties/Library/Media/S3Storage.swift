import Foundation
import Logging
import NIOCore
import S3

/// The S3-compatible backend (`MEDIA_STORAGE=s3`): one object per key in one bucket, addressed
/// path-style and signed with SigV4 by the `S3` module, so it works against AWS, MinIO or moto.
///
/// Memory: the client sends bodies from memory (no streaming or multipart upload), so `store`
/// reads the spooled upload whole, at most `MEDIA_MAX_UPLOAD_BYTES` per upload in flight. Reads
/// are fetched in ranged GETs of `pieceSize`, so a download holds one piece at a time however large
/// the file is.
struct S3Storage: MediaStorage {
    let client: S3Client
    let bucket: String
    let spoolDirectory: URL
    /// The most one GET fetches; also the client's body limit.
    let pieceSize: Int
    private let logger: Logger

    static let defaultPieceSize = 8 << 20

    init(
        settings: MediaSettings.S3Settings,
        logger: Logger,
        spoolDirectory: URL? = nil,
        pieceSize: Int = S3Storage.defaultPieceSize
    ) throws {
        self.client = S3Client(
            configuration: S3Configuration(
                endpoint: settings.endpoint, region: settings.region, credentials: settings.credentials, timeout: settings.timeout,
                maximumBodySize: pieceSize
            ),
            logger: logger
        )
        self.bucket = settings.bucket
        self.spoolDirectory = try spoolDirectory ?? Self.privateSpoolDirectory()
        self.pieceSize = pieceSize
        self.logger = logger
    }

    /// Creates the bucket when it is missing. Credentials that may use the bucket but not create
    /// buckets (least privilege) get `AccessDenied`: the bucket is then the operator's to make, and
    /// start-up goes on. A wrong key or secret, region or endpoint stops it, naming the setting to fix.
    func prepare() async throws {
        do {
            let created = try await self.client.createBucket(self.bucket)
            self.logger.info(created ? "S3 bucket created" : "S3 bucket exists", metadata: ["bucket": .string(self.bucket)])
        } catch let error as S3Error where error.code == "AccessDenied" {
            self.logger.notice(
                "not allowed to create the S3 bucket; assuming it exists",
                metadata: ["bucket": .string(self.bucket), "error": .string(error.description)]
            )
        } catch let error as S3Error {
            let hint =
                switch error {
                case .service(_, "InvalidAccessKeyId", _, _), .service(_, "SignatureDoesNotMatch", _, _):
                    " (check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)"
                case .service(_, "AuthorizationHeaderMalformed", _, _), .service(_, "IllegalLocationConstraintException", _, _):
                    " (check S3_REGION)"
                case .service(_, "BucketAlreadyExists", _, _): " (the name is taken by another account: change S3_BUCKET)"
                case .timedOut, .connectionFailed: " (check S3_ENDPOINT)"
                default: ""
                }
            throw MediaStorageError.failed(
                "could not make sure the S3 bucket \(self.bucket) exists at \(self.client.configuration.endpoint.absoluteString): \(error)\(hint)"
            )
        }
    }

    func store(_ upload: SpooledUpload, key: MediaKey, contentType: String) async throws {
        defer { upload.discard() }
        let body = try Self.load(upload)
        do {
            try await self.client.putObject(bucket: self.bucket, key: key.path, body: body, contentType: contentType)
        } catch {
            throw self.mapped(error, key: key)
        }
    }

    func read(_ key: MediaKey, range: ClosedRange<Int>?) async throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        let start = range?.lowerBound ?? 0
        // The first piece is fetched now, so a missing object is an error of `read` (a 404 answer),
        // not of the body half sent.
        let first = try await self.piece(of: key, start...min(range?.upperBound ?? .max, start + self.pieceSize - 1))
        let last = range?.upperBound ?? first.objectSize - 1
        let pieces = ObjectPieces(storage: self, key: key, first: first.body, offset: start + first.body.readableBytes, last: last)
        return AsyncThrowingStream(unfolding: { try await pieces.next() })
    }

    func delete(_ key: MediaKey) async throws {
        do {
            try await self.client.deleteObject(bucket: self.bucket, key: key.path)
        } catch let error as S3Error where error.isNotFound && error.code != "NoSuchBucket" {
            // S3 answers 204 for a missing key; some compatible stores answer 404.
        } catch {
            throw self.mapped(error, key: key)
        }
    }

    func signedURL(for key: MediaKey, lifetime: Duration) throws -> URL? {
        do {
            return try self.client.presignedGetURL(bucket: self.bucket, key: key.path, expires: lifetime)
        } catch {
            throw self.mapped(error, key: key)
        }
    }

    /// Bytes `offsets` of the object (S3 stops at its end) and the object's whole size, from
    /// `Content-Range: bytes first-last/size`.
    fileprivate func piece(of key: MediaKey, _ offsets: ClosedRange<Int>) async throws -> (body: ByteBuffer, objectSize: Int) {
        let object: S3Object
        do {
            object = try await self.client.getObject(bucket: self.bucket, key: key.path, range: offsets)
        } catch let error as S3Error where error.status == 416 && offsets.lowerBound == 0 {
            // Only an empty object has no first byte to send.
            return (ByteBuffer(), 0)
        } catch {
            throw self.mapped(error, key: key)
        }
        guard let size = object.contentRange?.split(separator: "/").last.flatMap({ Int($0) }) else {
            throw MediaStorageError.failed("the S3 store answered a range request without Content-Range")
        }
        return (object.body, size)
    }

    private func mapped(_ error: any Error, key: MediaKey) -> any Error {
        guard let error = error as? S3Error else { return error }  // CancellationError
        if error.isNotFound, error.code != "NoSuchBucket" { return MediaStorageError.missing(key) }
        return MediaStorageError.failed("S3 \(self.bucket)/\(key.path): \(error)")
    }

    /// The spooled file in one buffer, read in 1 MiB steps so it is held once, not twice.
    private static func load(_ upload: SpooledUpload) throws -> ByteBuffer {
        let handle = try FileHandle(forReadingFrom: upload.file)
        defer { try? handle.close() }
        var buffer = ByteBufferAllocator().buffer(capacity: upload.size)
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            buffer.writeBytes(data)
        }
        guard buffer.readableBytes == upload.size else {
            throw MediaStorageError.failed("the spooled upload has \(buffer.readableBytes) bytes, not \(upload.size)")
        }
        return buffer
    }

    /// `$TMPDIR/tract-media-spool-<uid>`, mode 0700. Uploads wait here, in files only this user can
    /// read, until they are sent. Refused when another user owns it or can write to it: in a
    /// shared /tmp they could otherwise swap a spooled file before it is stored.
    static func privateSpoolDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tract-media-spool-\(getuid())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // The attributes of the path itself (lstat): a symbolic link planted there is refused.
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path)
        guard attributes[.type] as? FileAttributeType == .typeDirectory,
            (attributes[.ownerAccountID] as? NSNumber)?.uint32Value == getuid(),
            let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 == 0
        else {
            throw MediaStorageError.failed("the spool folder \(directory.path) must be a folder of this user's with mode 0700")
        }
        return directory
    }
}

/// The rest of an object after the first piece, one ranged GET at a time as the response body is
/// sent (the stream is pulled, so a slow client holds back the next GET).
private actor ObjectPieces {
    private let storage: S3Storage
    private let key: MediaKey
    private var pending: ByteBuffer?
    /// The first offset not yet fetched.
    private var offset: Int
    /// The last offset to send.
    private let last: Int

    init(storage: S3Storage, key: MediaKey, first: ByteBuffer, offset: Int, last: Int) {
        self.storage = storage
        self.key = key
        self.pending = first.readableBytes > 0 ? first : nil
        self.offset = offset
        self.last = last
    }

    func next() async throws -> ByteBuffer? {
        if let pending = self.pending {
            self.pending = nil
            return pending
        }
        guard self.offset <= self.last else { return nil }
        let piece = try await self.storage.piece(of: self.key, self.offset...min(self.last, self.offset + self.storage.pieceSize - 1))
        guard piece.body.readableBytes > 0 else { throw MediaStorageError.failed("the stored object is shorter than its record") }
        self.offset += piece.body.readableBytes
        return piece.body
    }
}
