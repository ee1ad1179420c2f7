import Crypto
import Foundation
import Logging
import NIOCore
import S3
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// Each storage backend keeps exactly the bytes it was given: stored, read whole and in ranges,
/// deleted. The same checks run against every backend.
@Suite struct MediaStorageTests {
    /// 200 KiB of varied bytes: several read chunks, no two alike.
    static let bytes: [UInt8] = (0..<(200 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }

    static func roundTrip(_ storage: any MediaStorage) async throws {
        let pieces = stride(from: 0, to: Self.bytes.count, by: 7000).map { ByteBuffer(bytes: Self.bytes[$0..<min(Self.bytes.count, $0 + 7000)]) }
        let spooled = try await UploadSpool.receive(pieces.async, limit: 1 << 20, into: storage.spoolDirectory)
        #expect(spooled.sha256 == MediaSamples.sha256(Self.bytes))
        #expect(spooled.size == Self.bytes.count)
        let key = MediaKey.document(property: UUID(), document: UUID())
        try await storage.store(spooled, key: key, contentType: "application/octet-stream")
        #expect(!FileManager.default.fileExists(atPath: spooled.file.path), "the spool file is consumed")

        let whole = try await Self.collect(try await storage.read(key, range: nil))
        #expect(whole.count == Self.bytes.count)
        #expect(MediaSamples.sha256(whole) == spooled.sha256)
        let part = try await Self.collect(try await storage.read(key, range: 70_000...140_123))
        #expect(part == Array(Self.bytes[70_000...140_123]))

        try await storage.delete(key)
        try await storage.delete(key)  // already gone: not an error
        await #expect { _ = try await Self.collect(try await storage.read(key, range: nil)) } throws: { Self.isMissing($0) }
    }

    static func isMissing(_ error: any Error) -> Bool {
        if case MediaStorageError.missing = error { true } else { false }
    }

    static func collect(_ stream: AsyncThrowingStream<ByteBuffer, any Error>) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in stream { bytes += chunk.readableBytesView }
        return bytes
    }

    @Test func theFileSystemKeepsTheBytes() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-storage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try await Self.roundTrip(FileSystemStorage(root: root))
        #expect(storedFiles(under: root).isEmpty)
    }

    /// Against moto checking every signature with an IAM user's key. 64 KiB pieces, so the object
    /// comes back in four ranged GETs and the range spans two.
    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func theS3StoreKeepsTheBytes() async throws {
        let moto = try MotoServer(enforcingAuthenticationAfter: MotoServer.actionsToCreateUser)
        let credentials = try await moto.createUser(named: "tract-properties")
        let settings = MediaSettings.S3Settings(endpoint: moto.endpoint, region: "eu-west-2", bucket: "tract-media", credentials: credentials)
        let storage = try S3Storage(settings: settings, logger: Logger(label: "test.s3"), pieceSize: 64 * 1024)
        try await storage.prepare()
        try await storage.prepare()  // the bucket is there already: not an error
        try await Self.roundTrip(storage)

        // An empty object has no byte range to ask for, yet reads as nothing rather than failing.
        let empty = MediaKey.photo(property: UUID(), photo: UUID())
        try await storage.client.putObject(bucket: settings.bucket, key: empty.path, body: ByteBuffer(), contentType: "image/png")
        #expect(try await Self.collect(try await storage.read(empty, range: nil)).isEmpty)

        // A missing bucket is not a missing file: the service's fault (500), not the caller's (404).
        var otherBucket = settings
        otherBucket.bucket = "tract-nobody-made-this"
        await #expect {
            _ = try await S3Storage(settings: otherBucket, logger: Logger(label: "test.s3")).read(empty, range: nil)
        } throws: { !Self.isMissing($0) && "\($0)".contains("NoSuchBucket") }

        // A wrong secret stops start-up rather than the first upload, and says what to fix.
        var wrong = settings
        wrong.credentials.secretAccessKey = String(credentials.secretAccessKey.reversed())
        await #expect {
            try await S3Storage(settings: wrong, logger: Logger(label: "test.s3")).prepare()
        } throws: { "\($0)".contains("SignatureDoesNotMatch") && "\($0)".contains("S3_SECRET_ACCESS_KEY") }
    }

    /// A refused connection is retried until the timeout (AsyncHTTPClient's pool), so it is short here.
    @Test func anUnreachableS3EndpointStopsStartUp() async throws {
        let settings = MediaSettings.S3Settings(
            endpoint: URL(string: "http://127.0.0.1:1")!, region: "us-east-1", bucket: "tract-media",
            credentials: SigV4Credentials(accessKeyID: "AKIDTRACT", secretAccessKey: "secret"), timeout: .seconds(1)
        )
        await #expect {
            try await S3Storage(settings: settings, logger: Logger(label: "test.s3")).prepare()
        } throws: { "\($0)".contains("http://127.0.0.1:1") && "\($0)".contains("check S3_ENDPOINT") }
    }

    @Test func anUploadPastTheLimitLeavesNoSpoolFile() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-storage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let storage = FileSystemStorage(root: root)
        let pieces = [ByteBuffer(bytes: Self.bytes)]
        await #expect(throws: Problem.self) { _ = try await UploadSpool.receive(pieces.async, limit: 1000, into: storage.spoolDirectory) }
        #expect(storedFiles(under: root).isEmpty)
    }
}
