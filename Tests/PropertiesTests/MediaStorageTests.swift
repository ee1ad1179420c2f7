import Crypto
import Foundation
import NIOCore
import ServiceKit
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
        await #expect(throws: MediaStorageError.self) { _ = try await Self.collect(try await storage.read(key, range: nil)) }
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

    @Test func anUploadPastTheLimitLeavesNoSpoolFile() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-storage-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let storage = FileSystemStorage(root: root)
        let pieces = [ByteBuffer(bytes: Self.bytes)]
        await #expect(throws: Problem.self) { _ = try await UploadSpool.receive(pieces.async, limit: 1000, into: storage.spoolDirectory) }
        #expect(storedFiles(under: root).isEmpty)
    }
}
