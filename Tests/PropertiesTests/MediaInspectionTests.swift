import Foundation
import Testing

@testable import PropertiesService

/// Type sniffing and header sizes against real files written by ImageMagick (ImageFixtures, made by
/// scripts/generate-media-fixtures.sh), and against cut-short and random input.
@Suite struct MediaInspectionTests {
    /// Each fixture with the type and size ImageMagick was asked for.
    static let images: [(name: String, bytes: [UInt8], type: MediaInspection.Sniffed, width: Int, height: Int)] = [
        ("PNG", ImageFixtures.threeByTwoPNG, .png, 3, 2),
        ("baseline JPEG", ImageFixtures.baselineJPEG, .jpeg, 640, 480),
        ("progressive JPEG", ImageFixtures.progressiveJPEG, .jpeg, 640, 480),
        ("GIF", ImageFixtures.fiveBySevenGIF, .gif, 5, 7),
        ("lossy WebP (VP8)", ImageFixtures.lossyWebP, .webp, 17, 9),
        ("lossless WebP (VP8L)", ImageFixtures.losslessWebP, .webp, 1000, 700),
        ("extended WebP (VP8X)", ImageFixtures.extendedWebP, .webp, 300, 200),
    ]

    @Test(arguments: images.indices)
    func readsTypeAndSizeOfRealFiles(_ index: Int) throws {
        let image = Self.images[index]
        #expect(MediaInspection.sniff(image.bytes) == image.type, "\(image.name)")
        let size = try #require(MediaInspection.imageSize(image.bytes, mimeType: image.type.mimeType), "\(image.name)")
        #expect(size.width == image.width && size.height == image.height, "\(image.name): \(size)")
    }

    /// Every prefix is either too short (nil) or long enough to give the right size; none gives a
    /// wrong size and none traps. The header-only prefix is what an upload spool hands over.
    @Test(arguments: images.indices)
    func prefixesGiveTheRightSizeOrNil(_ index: Int) throws {
        let image = Self.images[index]
        var shortestWorking: Int?
        for length in 0...image.bytes.count {
            let size = MediaInspection.imageSize(Array(image.bytes.prefix(length)), mimeType: image.type.mimeType)
            if let size {
                #expect(size.width == image.width && size.height == image.height, "\(image.name) at \(length) bytes")
                if shortestWorking == nil { shortestWorking = length }
            } else if let shortestWorking {
                Issue.record("\(image.name): size at \(shortestWorking) bytes but nil at \(length)")
            }
        }
        // Headers sit near the front: the first 64 KiB is always enough for these.
        #expect(try #require(shortestWorking) <= 1024)
    }

    @Test func aTruncatedJPEGHasATypeButNoSize() throws {
        // The baseline fixture's frame header starts at byte 175; cut inside it, and just before.
        let jpeg = ImageFixtures.baselineJPEG
        #expect(Array(jpeg[175..<177]) == [0xFF, 0xC0])
        for length in [2, 20, 100, 175, 176, 177, 180, 183] {
            let head = Array(jpeg.prefix(length))
            #expect(MediaInspection.sniff(head) == .jpeg || length < 3)
            #expect(MediaInspection.imageSize(head, mimeType: "image/jpeg") == nil, "\(length) bytes")
        }
        #expect(MediaInspection.imageSize(Array(jpeg.prefix(184)), mimeType: "image/jpeg")! == (640, 480))
        #expect(MediaInspection.imageSize(Array(ImageFixtures.progressiveJPEG.prefix(100)), mimeType: "image/jpeg") == nil)
    }

    @Test func theBytesDecideNotTheName() {
        // A PNG uploaded as "photo.jpg" with Content-Type image/jpeg is still a PNG.
        let claimedJPEG = ImageFixtures.threeByTwoPNG
        #expect(MediaInspection.contentType(of: claimedJPEG) == .png)
        #expect(MediaInspection.contentType(of: claimedJPEG).defaultExtension == "png")
        #expect(MediaInspection.imageSize(claimedJPEG, mimeType: "image/jpeg") == nil)
        #expect(MediaInspection.imageSize(claimedJPEG, mimeType: MediaInspection.contentType(of: claimedJPEG).mimeType)! == (3, 2))
    }

    @Test func randomBytesAreUnknown() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var bytes = (0..<Int.random(in: 0...512, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Keep clear of a real signature by chance (FF D8 FF alone is 1 in 16 million).
            if bytes.first == 0xFF || bytes.first == 0x89 { bytes[0] = 0x00 }
            let sniffed = MediaInspection.contentType(of: bytes)
            #expect(MediaInspection.sniff(bytes) == nil || sniffed != .unknown)
            if MediaInspection.sniff(bytes) == nil {
                #expect(sniffed.mimeType == "application/octet-stream")
                #expect(sniffed.defaultExtension == "bin")
            }
        }
        #expect(MediaInspection.contentType(of: []) == .unknown)
        #expect(MediaInspection.contentType(of: Array("hello, world".utf8)) == .unknown)
    }

    @Test func headersWithRandomTailsNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let heads: [(bytes: [UInt8], mimeType: String)] = [
            ([0xFF, 0xD8], "image/jpeg"), ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "image/png"),
            (Array("RIFF\0\0\0\0WEBPVP8X".utf8), "image/webp"), (Array("RIFF\0\0\0\0WEBPVP8 ".utf8), "image/webp"),
            (Array("RIFF\0\0\0\0WEBPVP8L".utf8), "image/webp"), (Array("GIF89a".utf8), "image/gif"),
        ]
        for head in heads {
            for _ in 0..<500 {
                let tail = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                    // Mostly 0xFF and small lengths, to push the JPEG walk into its corners.
                    Bool.random(using: &generator) ? 0xFF : UInt8.random(in: 0...255, using: &generator)
                }
                if let size = MediaInspection.imageSize(head.bytes + tail, mimeType: head.mimeType) {
                    #expect(size.width > 0 && size.height > 0)
                }
            }
        }
    }

    @Test func jpegWalkSkipsFillBytesRestartMarkersAndOtherSegments() {
        let frame: [UInt8] = [0xFF, 0xC1, 0x00, 0x0B, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x01, 0x01, 0x11, 0x00]
        let jpeg: [UInt8] =
            [0xFF, 0xD8]
            + [0xFF, 0xFF, 0xFF, 0xE1, 0x00, 0x06, 0x45, 0x78, 0x69, 0x66]  // fill bytes, then APP1 "Exif"
            + [0xFF, 0xD3]  // a stray RST3
            + [0xFF, 0xC4, 0x00, 0x04, 0x00, 0x00]  // DHT sits in the SOF range but is not a frame
            + frame
        #expect(MediaInspection.imageSize(jpeg, mimeType: "image/jpeg")! == (640, 480))
        // Scan data or the end of the image before any frame header: no size.
        #expect(MediaInspection.imageSize([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02] + frame, mimeType: "image/jpeg") == nil)
        #expect(MediaInspection.imageSize([0xFF, 0xD8, 0xFF, 0xD9] + frame, mimeType: "image/jpeg") == nil)
        // A length that points past the end.
        #expect(MediaInspection.imageSize([0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xF0] + frame, mimeType: "image/jpeg") == nil)
        // Garbage where a marker should be.
        #expect(MediaInspection.imageSize([0xFF, 0xD8, 0x00] + frame, mimeType: "image/jpeg") == nil)
        // Height 0 (to be given by DNL) is refused.
        var dnl = jpeg
        dnl[dnl.count - 8] = 0x00
        dnl[dnl.count - 7] = 0x00
        #expect(MediaInspection.imageSize(dnl, mimeType: "image/jpeg") == nil)
    }

    @Test func documentsAndVideos() {
        #expect(MediaInspection.sniff(Array("%PDF-1.7\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".utf8)) == .pdf)
        #expect(MediaInspection.sniff([0x50, 0x4B, 0x03, 0x04, 0x14, 0x00]) == .zip)
        // The ftyp boxes ffmpeg writes for MP4 and QuickTime write for .mov.
        let mp4: [UInt8] = [0x00, 0x00, 0x00, 0x20] + Array("ftypisom".utf8) + [0x00, 0x00, 0x02, 0x00] + Array("isomiso2avc1mp41".utf8)
        let mov: [UInt8] = [0x00, 0x00, 0x00, 0x14] + Array("ftypqt  ".utf8) + [0x00, 0x00, 0x02, 0x00] + Array("qt  ".utf8)
        #expect(MediaInspection.sniff(mp4) == .mp4)
        #expect(MediaInspection.sniff(mov) == .quickTime)
        #expect(MediaInspection.contentType(of: mov).defaultExtension == "mov")
        // HEIC photos share the container but are not video; a box too small to be real is nothing.
        #expect(MediaInspection.sniff([0x00, 0x00, 0x00, 0x18] + Array("ftypheic".utf8) + [0, 0, 0, 0]) == nil)
        #expect(MediaInspection.sniff([0x00, 0x00, 0x00, 0x04] + Array("ftypisom".utf8)) == nil)
        #expect(MediaInspection.imageSize(mp4, mimeType: "video/mp4") == nil)
    }
}

/// Real files made by scripts/generate-media-fixtures.sh (ImageMagick).
enum ImageFixtures {
    static func bytes(_ base64: String) -> [UInt8] {
        Array(Data(base64Encoded: base64) ?? Data())
    }

    // Generated by generate-media-fixtures.sh with ImageMagick 6.9.11-60.
    static let threeByTwoPNG = bytes(
        "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACAQMAAACnuvRZAAAAA1BMVEUzZswgIiSpAAAADElEQVQI12NgYGAAAAAEAAEnNCcKAAAAAElFTkSuQmCC")
    static let baselineJPEG = bytes(
        "/9j/4AAQSkZJRgABAQAAAQABAAD//gAPVHJhY3QgZml4dHVyZf/bAEMAFA4PEg8NFBIQEhcVFBgeMiEeHBwePSwuJDJJQExLR0BGRVBac2JQVW1WRUZkiGVtd3uBgoFOYI2XjH2Wc36BfP/bAEMBFRcXHhoeOyEhO3xTRlN8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fP/AABEIAeACgAMBIgACEQEDEQH/xAAXAAEBAQEAAAAAAAAAAAAAAAAAAQIG/8QAFRABAQAAAAAAAAAAAAAAAAAAABH/xAAYAQEBAQEBAAAAAAAAAAAAAAAAAgEDBf/EABURAQEAAAAAAAAAAAAAAAAAAAAR/9oADAMBAAIRAxEAPwDkhYR69c0FhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQo0LCJrUFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQoosImiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUaFE1qChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUWEURWpCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRqEUTRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKLCKJrUhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQo1CKIrUhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQosI1CJozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFFFE1qChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUWEahE0ZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCjMI1CFGYRqEKMwjUIUZhGoQozCNQhRmEahCiiwiK1BYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKKNQia1kahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKLCLCJokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFFFE1qChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUaFEVqChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUWEaE0ZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCiwiia1IRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKLCNCKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRYRYRNakIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFFGhNayNBRkaCjI0FGRoKMjQUZGgoyNBRkaCjI0FGRoKMjQUZGgoyNBRkaCjI0FGRoKMjQUZGgoyNBRkaCjI0FGRoKMjQUZGgoyNBRkaCjI0FGRoKMjQUZGgoyNBRkaCjI0FGRoKMjQUZGgoyNBRkaCjI0FFhFhE0SEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCiQiwhRIRYQokIsIUSEWEKJCLCFEhFhCijUIitZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCjI1CFGRqEKMjUIUZGoQoyNQhRkahCiiwiaILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRoWETWoLCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRBYQogsIUQWEKILCFEFhCiCwhRRRNagoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFEFCiChRBQogoUQUKIKFGoRRFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQosIomtSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiwjQmjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUZhGgozCNBRmEaCjMI0FGYRoKMwjQUWEURWpCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihRIRQokIoUSEUKJCKFEhFCiQihR//9k="
    )
    static let progressiveJPEG = bytes(
        "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBMS0dARkVQWnNiUFVtVkVGZIhlbXd7gYKBTmCNl4x9lnN+gXz/2wBDARUXFx4aHjshITt8U0ZTfHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHz/wgARCAHgAoADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAAAAEF/8QAFwEBAQEBAAAAAAAAAAAAAAAAAAECBP/aAAwDAQACEAMQAAAByFdeYoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKKIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAogAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACqliiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoKiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiiAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKJQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKrKKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoigqIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKKJQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKqIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKCoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoKliiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoogAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACiAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKrNiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoKiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiiAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAKqIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKCpYoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKCoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoogAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACqzYoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKCoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoogAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACiUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACqiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoigqIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKCoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoiiKIoozQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAMD/2gAIAQEAAQUCFgf/xAAUEQEAAAAAAAAAAAAAAAAAAACg/9oACAEDAQE/ARYf/8QAFBEBAAAAAAAAAAAAAAAAAAAAoP/aAAgBAgEBPwEWH//EABQQAQAAAAAAAAAAAAAAAAAAAMD/2gAIAQEABj8CFgf/xAAUEAEAAAAAAAAAAAAAAAAAAADA/9oACAEBAAE/IRYH/9oADAMBAAIAAwAAABDLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLI8888888888888888888888888888888888888888888888888888888888888888888888888888888/LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHE0000000000000000000000000000000000000000wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwzPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wD/AP8A/wA4444444444444444444444444444444444444444IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIILHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww0000000000000000000000000000000000000003LLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLL77777777777777777777777777777777777777748888888888888888888888888888888888888888EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEHDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD33333333333333333333333333333333333333300000000000000000000000000000000000000000IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIILLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLLI88888888888888888888888888888888888888884444444444444444444444444444444444444447DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH33333333333333333333333333333333333333304444444444444444444444444444444444444447/xAAUEQEAAAAAAAAAAAAAAAAAAACg/9oACAEDAQE/EBYf/8QAFREBAQAAAAAAAAAAAAAAAAAAABH/2gAIAQIBAT8Qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq/8QAGBABAQEBAQAAAAAAAAAAAAAAEQBgcID/2gAIAQEAAT8QyBERERERERERERERERERERERERERERERERERERERERERERERERERERGRIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIyJERERERERERERERERERERERERERERERERERERERERERERERERERERHISIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiMiRERERERERERERERERERERERERERERERERERERERERERERERERERERkSIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiMiRERERERERERERERERERERERERERERERERERERERERERERERERERERkSIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIjkJERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERkSIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiMiRERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERHkEiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIjIkREREREREREREREREREREREREREREREREREREREREREREREREREREZEiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIjIkRERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERERHISIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIjIkREREREREREREREREREREREREREREREREREREREREREREREREREREZEiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIjIkREREREREREREREREREREREREREREREREREREREREREREREREREREchIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIyJERERERERERERERERERERERERERERERERERERERERERERERERERERGRIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIyJERERERERERERERERERERERERERERERERERERERERERERERERERERGR//Z"
    )
    static let fiveBySevenGIF = bytes("R0lGODlhBQAHAPAAAP8AAAAAACH5BAAAAAAALAAAAAAFAAcAAAIFhI+puwUAOw==")
    static let lossyWebP = bytes(
        "UklGRmYAAABXRUJQVlA4IFoAAAAwBACdASoRAAkAPm0qkUWkIqGYBABABsS1AE6XQCSALj/AeSAT/LI2wgAA/vWGpjgKgYP67d4Gtae31P/yA//kB//0LDL7z/wWGX3hja/hIAQvKs9AxhBEcgA="
    )
    static let losslessWebP = bytes("UklGRkAAAABXRUJQVlA4TDMAAAAv58OuAAdQwIj+BwQkSf/3B0b0P+M///nPf/7zn//85z//+c9//vOf//znP//5z3/+/x0A")
    static let extendedWebP = bytes(
        "UklGRuAAAABXRUJQVlA4WAoAAAAQAAAAKwEAxwAAQUxQSAoAAAABB9C/iAhERP8DVlA4ILAAAACwEACdASosAcgAPm02mUmkIyKhICgAgA2JaW7hdrEe3AAAE9gHvtk5D32ych77ZOQ99snIe+2TkPfbJyHvtk5D32ych77ZOQ99snIe+2TkPfbJyHvtk5D32ych77ZOQ99snIe+2TkPfbJyHvtk5D32ych77ZOQ99snIe+2TkPfbJyHvtk5D32ych77ZOFAAP7/vuz///kB//kB//kB//ID//xC72QGAAAAAAAAAAAAAA=="
    )
}
