import Crypto
import Foundation
import HTTPTypes
import Models
import NIOCore
import ServiceKit

/// An upload received whole into a private file: its size, SHA-256 and first bytes (for sniffing
/// the type and reading image dimensions) are known before anything is stored.
struct SpooledUpload: Sendable {
    let file: URL
    let size: Int
    /// Lowercase hex.
    let sha256: String
    /// The first `UploadSpool.headLength` bytes (fewer for a smaller file).
    let head: [UInt8]

    /// Removes the spooled file (after a refusal, or when storage failed).
    func discard() {
        try? FileManager.default.removeItem(at: self.file)
    }
}

enum UploadSpool {
    /// JPEG dimensions sit in a SOF segment after any APPn segments (EXIF with a thumbnail, ICC
    /// profiles), which can take a few hundred KiB in camera files.
    static let headLength = 1 << 20

    /// Reads `body` chunk by chunk into a new file in `directory`, hashing and counting as it goes.
    /// The moment the count passes `limit` the file is deleted and a 413 problem thrown, so an
    /// over-limit upload is never kept whole; any other failure (the client went away) deletes it
    /// too.
    static func receive<Body: AsyncSequence>(
        _ body: Body,
        limit: Int,
        into directory: URL
    ) async throws -> SpooledUpload where Body.Element == ByteBuffer {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("upload-\(UUID().uuidString.lowercased())")
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: file.path)
        else { throw MediaStorageError.failed("could not create a spool file in \(directory.path)") }
        var hasher = SHA256()
        var size = 0
        var head: [UInt8] = []
        do {
            for try await chunk in body {
                size += chunk.readableBytes
                guard size <= limit else { throw Problem.uploadTooLarge(limit: limit) }
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                if head.count < Self.headLength { head += chunk.readableBytesView.prefix(Self.headLength - head.count) }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        guard size > 0 else {
            try? FileManager.default.removeItem(at: file)
            throw Problem.validation(field: "file", "is empty; send the file's bytes as the request body")
        }
        let digest = hasher.finalize().hexString
        return SpooledUpload(file: file, size: size, sha256: digest, head: head)
    }
}

extension Problem {
    static func uploadTooLarge(limit: Int) -> Problem {
        Problem(
            .contentTooLarge, detail: "The upload is larger than the limit of \(limit) bytes.",
            errors: [.init(field: "file", message: "must be at most \(limit) bytes")])
    }
}
