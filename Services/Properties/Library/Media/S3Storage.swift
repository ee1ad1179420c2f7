import Foundation
import NIOCore

/// The S3-compatible backend: waits for the `S3` library target (SigV4 signer and client).
struct S3Storage: MediaStorage {
    let settings: MediaSettings.S3Settings

    init(settings: MediaSettings.S3Settings) throws {
        self.settings = settings
        throw MediaStorageError.failed("MEDIA_STORAGE=s3 is not available in this build yet")
    }

    var spoolDirectory: URL { FileManager.default.temporaryDirectory.appendingPathComponent("tract-media-spool") }
    func store(_ upload: SpooledUpload, key: MediaKey, contentType: String) async throws { upload.discard() }
    func read(_ key: MediaKey, range: ClosedRange<Int>?) async throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        throw MediaStorageError.missing(key)
    }
    func delete(_ key: MediaKey) async throws {}
    func signedURL(for key: MediaKey, lifetime: Duration) throws -> URL? { nil }
}
