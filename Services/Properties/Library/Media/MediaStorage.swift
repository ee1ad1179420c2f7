import Foundation
import NIOCore

/// Where uploaded bytes live: the local filesystem (`make run`) or S3-compatible object storage.
/// Rows in `media.*` keep the key; the bytes are only ever reached through this protocol.
protocol MediaStorage: Sendable {
    /// Where uploads are spooled before `store` takes them: on the same filesystem as the files
    /// for the filesystem backend, so storing is a rename.
    var spoolDirectory: URL { get }
    /// Runs once at start-up, before the server listens: makes sure there is somewhere to keep
    /// files (the S3 bucket), so bad settings stop the start rather than the first upload.
    func prepare() async throws
    /// Keeps the spooled upload under `key`. The spooled file is consumed (moved or deleted).
    func store(_ upload: SpooledUpload, key: MediaKey, contentType: String) async throws
    /// The object's bytes, or the bytes of `range` (inclusive offsets, already checked against
    /// the object's size), in chunks.
    func read(_ key: MediaKey, range: ClosedRange<Int>?) async throws -> AsyncThrowingStream<ByteBuffer, any Error>
    /// Removes the object; removing one that is not there is not an error.
    func delete(_ key: MediaKey) async throws
    /// A URL that serves the object without this service for `lifetime`, where the backend can
    /// make one (S3 presigned GET); `nil` otherwise.
    func signedURL(for key: MediaKey, lifetime: Duration) throws -> URL?
}

enum MediaStorageError: Error, CustomStringConvertible {
    case missing(MediaKey)
    case failed(String)

    var description: String {
        switch self {
        case .missing(let key): "no stored object under \(key.path)"
        case .failed(let reason): reason
        }
    }
}

/// A storage key, built from ids only (never from a client's file name), so it cannot climb out of
/// the storage root or collide: `photos/<property id>/<photo id>`.
struct MediaKey: Sendable, Hashable, CustomStringConvertible {
    let path: String

    private init(path: String) {
        self.path = path
    }

    static func photo(property: UUID, photo: UUID) -> MediaKey {
        MediaKey(path: "photos/\(property.uuidString.lowercased())/\(photo.uuidString.lowercased())")
    }

    static func document(property: UUID, document: UUID) -> MediaKey {
        MediaKey(path: "documents/\(property.uuidString.lowercased())/\(document.uuidString.lowercased())")
    }

    /// A key read back from the database; refused unless it has the shape the constructors make.
    init?(stored: String) {
        guard stored.wholeMatch(of: /[a-z]+(\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}){1,2}/) != nil
        else { return nil }
        self.path = stored
    }

    var description: String { self.path }
}

/// The filesystem backend: one file per key under `root`. Files appear whole or not at all (the
/// upload is spooled under `root/.incoming` and renamed into place).
struct FileSystemStorage: MediaStorage {
    let root: URL
    static let chunkSize = 64 * 1024

    init(root: URL) {
        self.root = root.standardizedFileURL
    }

    var spoolDirectory: URL { self.root.appendingPathComponent(".incoming", isDirectory: true) }

    /// Nothing to do: folders are made as files arrive.
    func prepare() async throws {}

    func url(for key: MediaKey) -> URL { self.root.appendingPathComponent(key.path, isDirectory: false) }

    func store(_ upload: SpooledUpload, key: MediaKey, contentType: String) async throws {
        let destination = self.url(for: key)
        do {
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            // rename(2): atomic on one filesystem, which the spool directory is on.
            guard rename(upload.file.path, destination.path) == 0 else {
                throw MediaStorageError.failed("could not move the upload into place (errno \(errno))")
            }
        } catch {
            upload.discard()
            throw error
        }
    }

    func read(_ key: MediaKey, range: ClosedRange<Int>?) async throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        let url = self.url(for: key)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw MediaStorageError.missing(key) }
        let reader: FileChunks
        if let range {
            try handle.seek(toOffset: UInt64(range.lowerBound))
            reader = FileChunks(handle: handle, remaining: range.count)
        } else {
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: 0)
            reader = FileChunks(handle: handle, remaining: Int(size))
        }
        return AsyncThrowingStream(unfolding: { try reader.next() })
    }

    func delete(_ key: MediaKey) async throws {
        do {
            try FileManager.default.removeItem(at: self.url(for: key))
        } catch CocoaError.fileNoSuchFile {
        } catch let error as CocoaError where error.code == .fileNoSuchFile {
        }
    }

    func signedURL(for key: MediaKey, lifetime: Duration) throws -> URL? { nil }
}

/// Reads a file front to back in chunks; the stream's one consumer calls `next` in turn.
private final class FileChunks: @unchecked Sendable {
    private let handle: FileHandle
    private var remaining: Int

    init(handle: FileHandle, remaining: Int) {
        self.handle = handle
        self.remaining = remaining
    }

    func next() throws -> ByteBuffer? {
        guard self.remaining > 0 else {
            try? self.handle.close()
            return nil
        }
        guard let data = try self.handle.read(upToCount: min(self.remaining, FileSystemStorage.chunkSize)), !data.isEmpty else {
            try? self.handle.close()
            throw MediaStorageError.failed("the stored file is shorter than its record")
        }
        self.remaining -= data.count
        return ByteBuffer(bytes: data)
    }

    deinit { try? self.handle.close() }
}
