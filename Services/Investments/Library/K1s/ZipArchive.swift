import CZlib
import Foundation

/// Reads the files out of a ZIP archive (PKWARE APPNOTE 6.3.x), as sponsors' tax software exports
/// a year's K-1s. No package on the dependency list reads ZIP, so this is the small part of the
/// format a K-1 upload needs, written from the spec and tested: the central directory, stored
/// (method 0) and deflated (method 8) entries, CRC-32 checked. Encrypted entries, other methods,
/// ZIP64 and multi-disk archives are refused by name, not guessed at. Pure (zlib does the inflating).
struct ZipArchive: Sendable {
    struct Entry: Sendable, Equatable {
        /// The path inside the archive, as stored.
        var path: String
        var contents: [UInt8]
    }

    /// An entry the archive holds but this reader will not extract, and why.
    struct SkippedEntry: Sendable, Equatable {
        var path: String
        var reason: String
    }

    struct Limits: Sendable {
        var maxEntries = 2_000
        var maxEntryBytes = 10 << 20
        var maxTotalBytes = 200 << 20
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case notAZip
        case zip64
        case tooManyEntries(Int)
        case malformed(String)
        case tooLarge(String)

        var description: String {
            switch self {
            case .notAZip: "is not a ZIP archive (no end of central directory record)"
            case .zip64: "is a ZIP64 or multi-disk archive, which is not supported"
            case .tooManyEntries(let count): "holds \(count) entries, more than allowed"
            case .malformed(let what): "is damaged: \(what)"
            case .tooLarge(let path): "holds \(path), larger than allowed"
            }
        }
    }

    var entries: [Entry]
    var skipped: [SkippedEntry]

    init(_ bytes: [UInt8], limits: Limits = Limits()) throws(Failure) {
        let reader = ByteReader(bytes)
        let end = try Self.endOfCentralDirectory(reader)
        guard reader.u16(end + 4) == 0, reader.u16(end + 6) == 0 else { throw .zip64 }
        let count = Int(reader.u16(end + 10))
        let directoryOffset = Int(reader.u32(end + 16))
        guard count != 0xFFFF, directoryOffset != 0xFFFF_FFFF else { throw .zip64 }
        guard count <= limits.maxEntries else { throw .tooManyEntries(count) }
        var entries: [Entry] = []
        var skipped: [SkippedEntry] = []
        var total = 0
        var offset = directoryOffset
        for _ in 0..<count {
            guard offset + 46 <= bytes.count, reader.u32(offset) == 0x0201_4b50 else {
                throw .malformed("a central directory record is missing")
            }
            let flags = reader.u16(offset + 8)
            let method = reader.u16(offset + 10)
            let crc = reader.u32(offset + 16)
            let compressed = Int(reader.u32(offset + 20))
            let size = Int(reader.u32(offset + 24))
            let nameLength = Int(reader.u16(offset + 28))
            let extraLength = Int(reader.u16(offset + 30))
            let commentLength = Int(reader.u16(offset + 32))
            let local = Int(reader.u32(offset + 42))
            guard offset + 46 + nameLength <= bytes.count else { throw .malformed("a file name runs past the end") }
            let path = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            offset += 46 + nameLength + extraLength + commentLength
            if path.hasSuffix("/") { continue }
            guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { throw .zip64 }
            if flags & 1 != 0 {
                skipped.append(SkippedEntry(path: path, reason: "is encrypted"))
                continue
            }
            guard method == 0 || method == 8 else {
                skipped.append(SkippedEntry(path: path, reason: "uses compression method \(method); only stored and deflate are read"))
                continue
            }
            guard size <= limits.maxEntryBytes else { throw .tooLarge(path) }
            total += size
            guard total <= limits.maxTotalBytes else { throw .tooLarge(path) }
            guard local + 30 <= bytes.count, reader.u32(local) == 0x0403_4b50 else {
                throw .malformed("the local header of \(path) is missing")
            }
            let start = local + 30 + Int(reader.u16(local + 26)) + Int(reader.u16(local + 28))
            guard start + compressed <= bytes.count else { throw .malformed("\(path) runs past the end") }
            let data = bytes[start..<(start + compressed)]
            let contents: [UInt8]
            if method == 0 {
                guard compressed == size else { throw .malformed("\(path) is stored with two different sizes") }
                contents = Array(data)
            } else {
                contents = try Self.inflate(data, size: size, path: path)
            }
            guard Self.crc32(contents) == crc else { throw .malformed("\(path) fails its CRC-32 check") }
            entries.append(Entry(path: path, contents: contents))
        }
        self.entries = entries
        self.skipped = skipped
    }

    /// The end of central directory record: the last `PK\5\6` within the 22 + 65,535 bytes a
    /// trailing comment allows.
    private static func endOfCentralDirectory(_ reader: ByteReader) throws(Failure) -> Int {
        let bytes = reader.bytes
        guard bytes.count >= 22 else { throw .notAZip }
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var index = bytes.count - 22
        while index >= lowest {
            if reader.u32(index) == 0x0605_4b50 { return index }
            index -= 1
        }
        throw .notAZip
    }

    /// Raw deflate (RFC 1951, no zlib header: window bits −15) into exactly `size` bytes.
    private static func inflate(_ data: ArraySlice<UInt8>, size: Int, path: String) throws(Failure) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size + 1)
        var input = Array(data)
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("zlib would not start")
        }
        defer { inflateEnd(&stream) }
        let (status, produced) = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                let status = CZlib.inflate(&stream, Z_FINISH)
                return (status, outputBuffer.count - Int(stream.avail_out))
            }
        }
        // One spare byte: a stream that inflates past its declared size fills it and is refused.
        guard status == Z_STREAM_END, produced == size else { throw .malformed("\(path) does not inflate to its declared size") }
        output.removeLast()
        return output
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, uInt(buffer.count)))
        }
    }
}

/// Little-endian reads at absolute offsets; callers check bounds before reading past them.
private struct ByteReader {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func u16(_ offset: Int) -> UInt16 {
        guard offset + 2 <= self.bytes.count else { return 0 }
        return UInt16(self.bytes[offset]) | UInt16(self.bytes[offset + 1]) << 8
    }

    func u32(_ offset: Int) -> UInt32 {
        guard offset + 4 <= self.bytes.count else { return 0 }
        return UInt32(self.u16(offset)) | UInt32(self.u16(offset + 2)) << 16
    }
}
