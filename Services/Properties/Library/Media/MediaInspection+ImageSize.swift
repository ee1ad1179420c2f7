extension MediaInspection {
    /// Width and height from the header of a PNG (IHDR), JPEG (first SOFn), GIF (logical screen)
    /// or WebP (VP8, VP8L or VP8X chunk).
    ///
    /// Works on the first bytes alone (64 KiB is plenty unless a JPEG carries more metadata than
    /// that before its frame header) and answers `nil`, rather than guessing, when they end before
    /// the size, do not follow the format, or give a zero dimension.
    static func imageSize(_ bytes: [UInt8], mimeType: String) -> (width: Int, height: Int)? {
        let header = ByteReader(bytes)
        let size: (width: Int, height: Int)? =
            switch mimeType {
            case Sniffed.png.mimeType: pngSize(header)
            case Sniffed.jpeg.mimeType: jpegSize(header)
            case Sniffed.gif.mimeType: gifSize(header)
            case Sniffed.webp.mimeType: webpSize(header)
            default: nil
            }
        guard let size, size.width > 0, size.height > 0 else { return nil }
        return size
    }

    /// The IHDR chunk must come first (PNG §5.6): big-endian width and height after its length
    /// and type.
    private static func pngSize(_ bytes: ByteReader) -> (width: Int, height: Int)? {
        guard bytes.ascii(at: 12, count: 4) == "IHDR", let width = bytes.uint32BE(at: 16),
            let height = bytes.uint32BE(at: 20)
        else { return nil }
        return (Int(width), Int(height))
    }

    /// The logical screen descriptor follows the 6-byte signature, little-endian (GIF89a §18).
    private static func gifSize(_ bytes: ByteReader) -> (width: Int, height: Int)? {
        guard let width = bytes.uint16LE(at: 6), let height = bytes.uint16LE(at: 8) else { return nil }
        return (Int(width), Int(height))
    }

    /// The first chunk after `RIFF…WEBP` is VP8 (lossy), VP8L (lossless) or VP8X (extended: a canvas
    /// for alpha, animation or metadata). Layouts from RFC 9649 and RFC 6386 §9.1.
    private static func webpSize(_ bytes: ByteReader) -> (width: Int, height: Int)? {
        switch bytes.ascii(at: 12, count: 4) {
        case "VP8 ":
            // A 3-byte frame tag (bit 0 clear on a key frame), the start code 9D 01 2A, then 14-bit
            // sizes whose top two bits are a scaling hint.
            guard let tag = bytes[20], tag & 0x01 == 0, bytes[23] == 0x9D, bytes[24] == 0x01, bytes[25] == 0x2A,
                let width = bytes.uint16LE(at: 26), let height = bytes.uint16LE(at: 28)
            else { return nil }
            return (Int(width & 0x3FFF), Int(height & 0x3FFF))
        case "VP8L":
            // Signature 0x2F, then width−1 and height−1 as 14-bit fields, least significant bit first.
            guard bytes[20] == 0x2F, let bits = bytes.uint32LE(at: 21) else { return nil }
            return (Int(bits & 0x3FFF) + 1, Int((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            // Flags and reserved bytes, then canvas width−1 and height−1 as 24-bit fields.
            guard let width = bytes.uint24LE(at: 24), let height = bytes.uint24LE(at: 27) else { return nil }
            return (Int(width) + 1, Int(height) + 1)
        default:
            return nil
        }
    }

    /// Walks the marker segments (ITU T.81 §B.1) to the first frame header: SOF0–SOF15 except DHT
    /// (C4), JPG (C8) and DAC (CC), which share the range. Its payload is precision, height, width.
    private static func jpegSize(_ bytes: ByteReader) -> (width: Int, height: Int)? {
        var offset = 2  // past SOI
        while true {
            guard bytes[offset] == 0xFF else { return nil }
            // Any number of 0xFF fill bytes may precede a marker (§B.1.1.2).
            while bytes[offset + 1] == 0xFF { offset += 1 }
            guard let marker = bytes[offset + 1] else { return nil }
            offset += 2
            switch marker {
            case 0xD0...0xD7, 0x01:
                continue  // RSTn and TEM stand alone, with no length
            case 0x00, 0xD8, 0xD9, 0xDA:
                return nil  // a stuffed byte, a second SOI, or the end or scan data before any frame
            default:
                break
            }
            guard let length = bytes.uint16BE(at: offset), length >= 2 else { return nil }
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                // A height of 0 means a later DNL segment gives it; such files are refused (nil).
                guard length >= 7, let height = bytes.uint16BE(at: offset + 3), let width = bytes.uint16BE(at: offset + 5)
                else { return nil }
                return (Int(width), Int(height))
            }
            offset += Int(length)
        }
    }
}

/// Bounds-checked reads: anything past the end is nil, never a trap, so a truncated or hostile
/// header can only make the answer nil.
private struct ByteReader {
    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    subscript(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    func ascii(at offset: Int, count: Int) -> String? {
        guard offset >= 0, count >= 0, offset + count <= bytes.count else { return nil }
        return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
    }

    func uint16BE(at offset: Int) -> UInt16? { read(at: offset, count: 2, bigEndian: true).map { UInt16(truncatingIfNeeded: $0) } }
    func uint32BE(at offset: Int) -> UInt32? { read(at: offset, count: 4, bigEndian: true).map { UInt32(truncatingIfNeeded: $0) } }
    func uint16LE(at offset: Int) -> UInt16? { read(at: offset, count: 2, bigEndian: false).map { UInt16(truncatingIfNeeded: $0) } }
    func uint24LE(at offset: Int) -> UInt32? { read(at: offset, count: 3, bigEndian: false).map { UInt32(truncatingIfNeeded: $0) } }
    func uint32LE(at offset: Int) -> UInt32? { read(at: offset, count: 4, bigEndian: false).map { UInt32(truncatingIfNeeded: $0) } }

    private func read(at offset: Int, count: Int, bigEndian: Bool) -> UInt64? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        let window = bytes[offset..<(offset + count)]
        let ordered = bigEndian ? Array(window) : Array(window.reversed())
        return ordered.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
