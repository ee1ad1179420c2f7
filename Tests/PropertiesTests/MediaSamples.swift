import AsyncHTTPClient
import Crypto
import Foundation
import Models
import NIOCore
import NIOHTTP1
import TestSupport

@testable import PropertiesService

/// Small real files made byte by byte, so tests need no image library and each header field is
/// what the test says it is.
enum MediaSamples {
    /// A valid PNG of `width` × `height` grey pixels (stored, uncompressed deflate blocks).
    static func png(width: Int, height: Int) -> [UInt8] {
        var raw: [UInt8] = []
        for _ in 0..<height {
            raw.append(0)  // filter: none
            raw += [UInt8](repeating: 0x80, count: width)
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let block = Array(raw[offset..<min(raw.count, offset + 65_535)])
            offset += block.count
            let length = UInt16(block.count)
            zlib.append(offset >= raw.count ? 1 : 0)
            zlib += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            zlib += block
        } while offset < raw.count
        zlib += be32(adler32(raw))
        var ihdr = be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [8, 0, 0, 0, 0]  // 8-bit greyscale, deflate, no filter, no interlace
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    /// A JPEG header of `width` × `height`: SOI, a JFIF APP0, an APP1 (EXIF-sized filler, so the
    /// SOF is found by walking segments, not at a fixed offset), DQT, SOF0, then EOI.
    static func jpeg(width: Int, height: Int, exifBytes: Int = 3000) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += segment(0xE0, Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        bytes += segment(0xE1, Array("Exif".utf8) + [0, 0] + [UInt8](repeating: 0xAB, count: exifBytes))
        bytes += segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        bytes += segment(0xC0, [8] + be16(UInt16(height)) + be16(UInt16(width)) + [1, 1, 0x11, 0])
        bytes += [0xFF, 0xD9]
        return bytes
    }

    static func pdf(_ text: String) -> [UInt8] {
        Array("%PDF-1.4\n% \(text)\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private static func segment(_ marker: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [0xFF, marker] + be16(UInt16(payload.count + 2)) + payload
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return be32(UInt32(data.count)) + typed + be32(crc32(typed))
    }

    private static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    private static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}

/// Raw bytes over HTTP: uploads with or without a declared length, downloads with headers.
struct RawClient: Sendable {
    let baseURL: String

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var bytes: [UInt8]
        var text: String { String(decoding: self.bytes, as: UTF8.self) }
        var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(self.bytes))) ?? .null }
        subscript(key: String) -> JSONValue? { self.json[key] }
        func string(_ key: String) -> String? {
            if case .string(let value)? = self.json[key] { return value }
            return nil
        }
    }

    /// `streamed`: sent chunked in 1 KiB pieces with no `Content-Length`, so only counting can stop it.
    func upload(
        _ path: String,
        _ bytes: [UInt8],
        contentType: String? = nil,
        token: String? = nil,
        streamed: Bool = false
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = .POST
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if streamed {
            let pieces = stride(from: 0, to: bytes.count, by: 1024).map { ByteBuffer(bytes: bytes[$0..<min(bytes.count, $0 + 1024)]) }
            request.body = .stream(pieces.async, length: .unknown)
        } else {
            request.body = .bytes(ByteBuffer(bytes: bytes))
        }
        return try await self.execute(request)
    }

    func get(_ path: String, token: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: self.baseURL + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await self.execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(body.readableBytesView))
    }
}

extension Sequence where Element: Sendable {
    /// The elements as an async sequence (for streamed request bodies).
    var async: AsyncStream<Element> {
        let elements = Array(self)
        return AsyncStream { continuation in
            for element in elements { continuation.yield(element) }
            continuation.finish()
        }
    }
}

/// Files under a folder, recursively, as paths relative to it.
func storedFiles(under root: URL) -> [String] {
    guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [] }
    return enumerator.compactMap { item -> String? in
        guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
        return String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
    }.sorted()
}
