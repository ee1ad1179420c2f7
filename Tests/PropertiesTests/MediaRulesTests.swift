import Foundation
import ServiceKit
import Testing

@testable import PropertiesService

/// The media rules that need no I/O: type sniffing and image sizes, byte ranges and conditional
/// requests, share tokens, storage keys.
@Suite struct MediaRulesTests {
    @Test func imageSizesComeFromTheHeaders() {
        let png = MediaSamples.png(width: 1920, height: 1080)
        #expect(FileKind.inspect(png) == FileKind(mimeType: "image/png", extensions: ["png"], width: 1920, height: 1080))
        let jpeg = MediaSamples.jpeg(width: 4032, height: 3024, exifBytes: 60_000)
        #expect(FileKind.inspect(jpeg)?.mimeType == "image/jpeg")
        #expect(FileKind.inspect(jpeg)?.width == 4032)
        #expect(FileKind.inspect(jpeg)?.height == 3024)
        let gif = Array("GIF89a".utf8) + [0x40, 0x01, 0xF0, 0x00] + [UInt8](repeating: 0, count: 8)
        #expect(MediaInspection.imageSize(gif, mimeType: "image/gif")! == (320, 240))
        // WebP lossless (VP8L): 14-bit width-1 and height-1 packed after the 0x2f signature.
        let bits = UInt32(99) | UInt32(49) << 14
        let vp8l =
            Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8L".utf8) + [0, 0, 0, 0, 0x2F]
            + [UInt8(bits & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8((bits >> 16) & 0xFF), UInt8(bits >> 24)] + [0, 0, 0, 0, 0]
        #expect(MediaInspection.sniff(vp8l)?.mimeType == "image/webp")
        #expect(MediaInspection.imageSize(vp8l, mimeType: "image/webp")! == (100, 50))
        // Cut short: a type but no size.
        #expect(MediaInspection.imageSize(Array(png.prefix(20)), mimeType: "image/png") == nil)
        #expect(MediaInspection.imageSize(Array(jpeg.prefix(100)), mimeType: "image/jpeg") == nil)
        #expect(MediaInspection.sniff(Array("hello".utf8)) == nil)
    }

    @Test func whatTheClientSaysIsCheckedAgainstTheBytes() throws {
        let png = try #require(FileKind.inspect(MediaSamples.png(width: 1, height: 1)))
        #expect(try png.reconciled(declaredType: "image/png; charset=binary", fileName: "a.PNG").mimeType == "image/png")
        #expect(try png.reconciled(declaredType: "application/octet-stream", fileName: "scan.v2").mimeType == "image/png")
        #expect(throws: Problem.self) { try png.reconciled(declaredType: "image/jpeg", fileName: nil) }
        #expect(throws: Problem.self) { try png.reconciled(declaredType: nil, fileName: "a.jpg") }
        // A ZIP declared as a Word file is kept as one.
        let zip = FileKind(mimeType: "application/zip", extensions: ["zip"])
        let docx = try zip.reconciled(declaredType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", fileName: "memo.docx")
        #expect(docx.mimeType == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    }

    @Test func rangesAndConditionsFollowRFC9110() {
        let etag = "\"abc\""
        func plan(_ range: String?, ifNoneMatch: String? = nil, ifRange: String? = nil) -> DownloadPlan {
            DownloadPlan.make(size: 100, etag: etag, ifNoneMatch: ifNoneMatch, range: range, ifRange: ifRange)
        }
        #expect(plan(nil) == .whole)
        #expect(plan("bytes=0-9") == .partial(0...9))
        #expect(plan("bytes=90-") == .partial(90...99))
        #expect(plan("bytes=95-200") == .partial(95...99))
        #expect(plan("bytes=-10") == .partial(90...99))
        #expect(plan("bytes=-500") == .whole)
        #expect(plan("bytes=0-99") == .whole)
        #expect(plan("bytes=100-") == .unsatisfiable)
        #expect(plan("bytes=-0") == .unsatisfiable)
        #expect(plan("bytes=5-1") == .whole)  // invalid: ignored
        #expect(plan("bytes=0-1,5-6") == .whole)  // several: ignored
        #expect(plan("items=0-1") == .whole)
        #expect(plan("bytes=0-9", ifNoneMatch: "\"x\", W/\"abc\"") == .notModified)
        #expect(plan(nil, ifNoneMatch: "*") == .notModified)
        #expect(plan("bytes=0-9", ifRange: "\"abc\"") == .partial(0...9))
        #expect(plan("bytes=0-9", ifRange: "\"old\"") == .whole)
    }

    @Test func shareTokensKeepOnlyAHash() throws {
        let id = UUID()
        let secret = SecretToken.make()
        #expect(secret.count == 43)
        let token = ShareToken.format(id: id, secret: secret)
        let (parsedID, parsedSecret) = try #require(ShareToken.parse(token))
        #expect(parsedID == id)
        #expect(parsedSecret == secret)
        #expect(ShareToken.parse("not-a-token") == nil)
        #expect(ShareToken.parse("\(id.uuidString).short") == nil)
        #expect(SecretToken.constantTimeEquals(SecretToken.hash(secret), SecretToken.hash(secret)))
        #expect(!SecretToken.constantTimeEquals(SecretToken.hash(secret), SecretToken.hash(secret + "x")))
        #expect(SecretToken.hash(secret).count == 64)
    }

    @Test func storageKeysAreMadeOfIdsOnly() {
        let key = MediaKey.photo(property: UUID(), photo: UUID())
        #expect(MediaKey(stored: key.path) == key)
        #expect(MediaKey(stored: "photos/../../etc/passwd") == nil)
        #expect(MediaKey(stored: "/etc/passwd") == nil)
        #expect(
            MediaDelivery.disposition(
                StoredFile(key: key, size: 1, mimeType: "application/pdf", sha256: "", fileName: "a\"b;\r\nc.pdf", attachment: true)
            ) == "attachment; filename=\"a_b___c.pdf\"")
    }
}
