import Foundation

/// Content types from leading bytes ("magic numbers") and image sizes from file headers, without
/// decoding any pixels. Pure, and tested alone.
enum MediaInspection {
    struct Sniffed: Equatable {
        var mimeType: String
        var extensions: Set<String>
    }

    static func sniff(_ bytes: [UInt8]) -> Sniffed? {
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<(offset + prefix.count)]) == prefix
        }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return Sniffed(mimeType: "image/png", extensions: ["png"]) }
        if starts([0xFF, 0xD8, 0xFF]) { return Sniffed(mimeType: "image/jpeg", extensions: ["jpg", "jpeg", "jpe"]) }
        if starts(Array("GIF87a".utf8)) || starts(Array("GIF89a".utf8)) { return Sniffed(mimeType: "image/gif", extensions: ["gif"]) }
        if starts(Array("RIFF".utf8)), starts(Array("WEBP".utf8), at: 8) { return Sniffed(mimeType: "image/webp", extensions: ["webp"]) }
        if starts(Array("%PDF-".utf8)) { return Sniffed(mimeType: "application/pdf", extensions: ["pdf"]) }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return Sniffed(mimeType: "application/zip", extensions: ["zip"]) }
        return nil
    }

    /// Width and height from the header of a PNG (IHDR), JPEG (first SOFn), GIF (logical screen)
    /// or WebP (VP8, VP8L or VP8X chunk); `nil` when the header is cut short or malformed.
    static func imageSize(_ bytes: [UInt8], mimeType: String) -> (width: Int, height: Int)? {
        func be16(_ i: Int) -> Int? { i + 2 <= bytes.count ? Int(bytes[i]) << 8 | Int(bytes[i + 1]) : nil }
        func le16(_ i: Int) -> Int? { i + 2 <= bytes.count ? Int(bytes[i]) | Int(bytes[i + 1]) << 8 : nil }
        func le24(_ i: Int) -> Int? { i + 3 <= bytes.count ? Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 : nil }
        func be32(_ i: Int) -> Int? {
            guard let high = be16(i), let low = be16(i + 2) else { return nil }
            return high << 16 | low
        }
        func positive(_ width: Int?, _ height: Int?) -> (width: Int, height: Int)? {
            guard let width, let height, width > 0, height > 0 else { return nil }
            return (width, height)
        }
        switch mimeType {
        case "image/png":
            // Signature, then the IHDR chunk first: length, "IHDR", width, height (big-endian).
            guard bytes.count >= 24, Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
            return positive(be32(16), be32(20))
        case "image/gif":
            return positive(le16(6), le16(8))
        case "image/webp":
            guard bytes.count >= 30 else { return nil }
            switch String(decoding: bytes[12..<16], as: UTF8.self) {
            case "VP8 ":
                // Key frame start code 9d 01 2a, then 14-bit width and height.
                guard Array(bytes[23..<26]) == [0x9D, 0x01, 0x2A] else { return nil }
                return positive(le16(26).map { $0 & 0x3FFF }, le16(28).map { $0 & 0x3FFF })
            case "VP8L":
                guard bytes[20] == 0x2F, bytes.count >= 25 else { return nil }
                let bits = Int(bytes[21]) | Int(bytes[22]) << 8 | Int(bytes[23]) << 16 | Int(bytes[24]) << 24
                return positive((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
            case "VP8X":
                return positive(le24(24).map { $0 + 1 }, le24(27).map { $0 + 1 })
            default:
                return nil
            }
        case "image/jpeg":
            // Walk the marker segments to the first start-of-frame: SOF0–SOF15 except DHT (C4),
            // JPG (C8) and DAC (CC). Its payload is precision, height, width.
            var i = 2
            while i + 4 <= bytes.count {
                guard bytes[i] == 0xFF else { return nil }
                let marker = bytes[i + 1]
                if marker == 0xFF { i += 1; continue }  // fill bytes
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
                guard let length = be16(i + 2), length >= 2 else { return nil }
                if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                    return positive(be16(i + 7), be16(i + 5))
                }
                if marker == 0xDA || marker == 0xD9 { return nil }  // scan data or end before any frame
                i += 2 + length
            }
            return nil
        default:
            return nil
        }
    }
}
