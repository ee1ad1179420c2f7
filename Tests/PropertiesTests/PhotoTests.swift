import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// A properties service whose media live in a fresh temporary folder, with a small upload limit.
struct MediaFixture: Sendable {
    let base: PropertiesFixture
    let raw: RawClient
    let root: URL

    static let limit = 64 * 1024

    static func run(_ body: @escaping @Sendable (MediaFixture) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-media-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var settings = PropertiesSettings(censusGeocoderURL: PropertiesFixture.noGeocoder)
        settings.media = MediaSettings(backend: .filesystem(root: root), maxUploadBytes: Self.limit)
        try await PropertiesFixture.run(settings: settings) { fixture in
            try await body(MediaFixture(base: fixture, raw: RawClient(baseURL: fixture.client.baseURL), root: root))
        }
    }

    /// A listing by `sponsor`, published to `visibility` (or left a private prospect).
    func property(sponsor: String, visibility: String? = "public") async throws -> String {
        let created = try await self.base.client.post("/v1/properties", PropertyListingTests.elm, token: sponsor)
        let id = try #require(created.string("id"))
        if let visibility {
            let published = try await self.base.client.send(
                .PATCH, "/v1/properties/\(id)", json: #"{"status":"active","visibility":"\#(visibility)"}"#, token: sponsor
            )
            #expect(published.status == 200)
        }
        return id
    }

    /// Stored files, ignoring the (empty) spool folder.
    var files: [String] { storedFiles(under: self.root) }
}

/// Photos: uploads judged by their bytes, the limit, downloads with ETags and ranges, the gallery
/// and its one primary photo, and who may do what.
@Suite struct PhotoTests {
    @Test func aPNGAndAJPEGReportTheirDimensionsAndHash() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let png = MediaSamples.png(width: 37, height: 21)
            let first = try await media.raw.upload(
                "/v1/properties/\(id)/photos?caption=Front%20elevation&photo_type=exterior&category=hero&tags=street,dusk&file_name=front.png",
                png, contentType: "image/png", token: sponsor
            )
            #expect(first.status == 201, "\(first.text)")
            #expect(first["width"] == 37)
            #expect(first["height"] == 21)
            #expect(first.string("mime_type") == "image/png")
            #expect(first.string("sha256") == MediaSamples.sha256(png))
            #expect(first["file_size"] == .number(Double(png.count)))
            #expect(first["tags"] == ["street", "dusk"])
            #expect(first.string("caption") == "Front elevation")
            #expect(first["is_primary"] == true, "the first photo becomes primary")
            #expect(first["display_order"] == 0)
            let firstID = try #require(first.string("id"))
            #expect(first.headers.first(name: "Location") == "/v1/properties/\(id)/photos/\(firstID)")

            // A client that does not know the type says nothing (octet-stream); the bytes decide.
            let jpeg = MediaSamples.jpeg(width: 1024, height: 683)
            let second = try await media.raw.upload("/v1/properties/\(id)/photos", jpeg, contentType: "application/octet-stream", token: sponsor)
            #expect(second.status == 201, "\(second.text)")
            #expect(second["width"] == 1024)
            #expect(second["height"] == 683)
            #expect(second.string("mime_type") == "image/jpeg")
            #expect(second["is_primary"] == false)
            #expect(second["display_order"] == 1)

            let gallery = try await media.base.client.get("/v1/properties/\(id)/photos")
            #expect(gallery.status == 200)
            guard case .array(let photos)? = gallery["data"] else { throw Failure("no data") }
            #expect(photos.map { $0["mime_type"] } == ["image/png", "image/jpeg"])
            #expect(media.files.count == 2)
            #expect(
                try await media.base.events().filter { $0.hasPrefix("media.") } == [
                    "media.photo_added", "media.primary_photo_changed", "media.photo_added",
                ])
        }
    }

    @Test func aFileLyingAboutItsTypeIsRefusedAndNothingIsKept() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let png = MediaSamples.png(width: 4, height: 4)
            let wrongHeader = try await media.raw.upload("/v1/properties/\(id)/photos", png, contentType: "image/jpeg", token: sponsor)
            #expect(wrongHeader.status == 415)
            #expect(wrongHeader.headers.first(name: "Content-Type") == "application/problem+json")
            #expect(wrongHeader.text.contains(#""field":"content_type""#))
            let wrongName = try await media.raw.upload("/v1/properties/\(id)/photos?file_name=front.jpg", png, token: sponsor)
            #expect(wrongName.status == 415)
            #expect(wrongName.text.contains(#""field":"file_name""#))
            // An HTML page called a PNG.
            let html = Array("<html><script>alert(1)</script></html>".utf8)
            let notAnImage = try await media.raw.upload("/v1/properties/\(id)/photos?file_name=x.png", html, contentType: "image/png", token: sponsor)
            #expect(notAnImage.status == 415)
            #expect(notAnImage.text.contains(#""field":"file""#))
            // A PDF is a document, not a photo.
            let pdf = try await media.raw.upload("/v1/properties/\(id)/photos", MediaSamples.pdf("x"), token: sponsor)
            #expect(pdf.status == 415)
            #expect(try await media.base.sql("SELECT count(*)::text FROM media.property_photos") == ["0"])
            #expect(media.files.isEmpty)
        }
    }

    @Test func anOverLimitUploadIsRefusedBeforeItIsKept() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let big = MediaSamples.png(width: 400, height: 200)
            #expect(big.count > MediaFixture.limit)
            // Declared too large: refused before a byte is read.
            let declared = try await media.raw.upload("/v1/properties/\(id)/photos", big, contentType: "image/png", token: sponsor)
            #expect(declared.status == 413)
            #expect(declared.headers.first(name: "Content-Type") == "application/problem+json")
            // Streamed without a length: refused as the count passes the limit, the partial file deleted.
            let streamed = try await media.raw.upload("/v1/properties/\(id)/photos", big, contentType: "image/png", token: sponsor, streamed: true)
            #expect(streamed.status == 413)
            #expect(try await media.base.sql("SELECT count(*)::text FROM media.property_photos") == ["0"])
            #expect(media.files.isEmpty)
            // Just under the limit is fine.
            let fits = MediaSamples.png(width: 200, height: 200)
            #expect(try await media.raw.upload("/v1/properties/\(id)/photos", fits, token: sponsor, streamed: true).status == 201)
            #expect(media.files.count == 1)
        }
    }

    @Test func downloadsCarryTheTypeETagAndRanges() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let png = MediaSamples.png(width: 10, height: 10)
            let photo = try await media.raw.upload("/v1/properties/\(id)/photos", png, token: sponsor)
            let url = try #require(photo.string("content_url"))
            let etag = "\"\(MediaSamples.sha256(png))\""

            let whole = try await media.raw.get(url)
            #expect(whole.status == 200)
            #expect(whole.bytes == png)
            #expect(whole.headers.first(name: "Content-Type") == "image/png")
            #expect(whole.headers.first(name: "ETag") == etag)
            #expect(whole.headers.first(name: "Accept-Ranges") == "bytes")
            #expect(whole.headers.first(name: "Content-Length") == String(png.count))

            #expect(try await media.raw.get(url, headers: [("If-None-Match", etag)]).status == 304)
            #expect(try await media.raw.get(url, headers: [("If-None-Match", "\"other\"")]).status == 200)

            let part = try await media.raw.get(url, headers: [("Range", "bytes=8-23")])
            #expect(part.status == 206)
            #expect(part.bytes == Array(png[8...23]))
            #expect(part.headers.first(name: "Content-Range") == "bytes 8-23/\(png.count)")
            let tail = try await media.raw.get(url, headers: [("Range", "bytes=-12")])
            #expect(tail.status == 206)
            #expect(tail.bytes == Array(png.suffix(12)))
            let beyond = try await media.raw.get(url, headers: [("Range", "bytes=\(png.count)-")])
            #expect(beyond.status == 416)
            #expect(beyond.headers.first(name: "Content-Range") == "bytes */\(png.count)")
            // A range for another version of the file is ignored: the whole current file comes back.
            let stale = try await media.raw.get(url, headers: [("Range", "bytes=0-3"), ("If-Range", "\"old\"")])
            #expect(stale.status == 200)
            #expect(stale.bytes == png)
        }
    }

    @Test func onlyTheSponsorAndAdminsChangeMediaAndPrivateListingsHideThem() async throws {
        try await MediaFixture.run { media in
            let owner = try await media.base.token(.sponsor)
            let publicID = try await media.property(sponsor: owner)
            let privateID = try await media.property(sponsor: owner, visibility: nil)
            let png = MediaSamples.png(width: 2, height: 2)
            let path = "/v1/properties/\(publicID)/photos"
            #expect(try await media.raw.upload(path, png).status == 401)
            #expect(try await media.raw.upload(path, png, token: try await media.base.token(.investor)).status == 403)
            #expect(try await media.raw.upload(path, png, token: try await media.base.token(.sponsor)).status == 403)
            #expect(try await media.raw.upload(path, png, token: owner).status == 201)
            #expect(try await media.raw.upload(path, png, token: try await media.base.token(.admin)).status == 201)
            // A private prospect's existence is not other people's to learn.
            let hidden = try await media.raw.upload("/v1/properties/\(privateID)/photos", png, token: owner)
            #expect(hidden.status == 201)
            let hiddenURL = try #require(hidden.string("content_url"))
            #expect(try await media.raw.upload("/v1/properties/\(privateID)/photos", png, token: try await media.base.token(.investor)).status == 404)
            #expect(try await media.raw.get(hiddenURL).status == 404)
            #expect(try await media.raw.get(hiddenURL, token: try await media.base.token(.investor)).status == 404)
            #expect(try await media.raw.get(hiddenURL, token: owner).status == 200)
            #expect(try await media.base.client.get("/v1/properties/\(privateID)/photos").status == 404)
            // Changing and deleting follow the same rule.
            let photoID = try #require(hidden.string("id"))
            let patch = #"{"caption":"x"}"#
            #expect(try await media.base.client.send(.PATCH, "/v1/properties/\(publicID)/photos/\(photoID)", json: patch).status == 401)
            let stranger = try await media.base.client.send(
                .PATCH, "/v1/properties/\(publicID)/photos/\(photoID)", json: patch, token: try await media.base.token(.sponsor)
            )
            #expect(stranger.status == 403)
            #expect(
                try await media.base.client.send(
                    .DELETE, "/v1/properties/\(privateID)/photos/\(photoID)", token: try await media.base.token(.investor)
                ).status == 404)
        }
    }

    @Test func theGalleryHasOnePrimaryAndDeletingRemovesTheBytes() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            var ids: [String] = []
            for width in [3, 4, 5] {
                let reply = try await media.raw.upload("/v1/properties/\(id)/photos", MediaSamples.png(width: width, height: 2), token: sponsor)
                ids.append(try #require(reply.string("id")))
            }
            let changed = try await media.base.client.send(
                .PATCH, "/v1/properties/\(id)/photos/\(ids[2])",
                json: #"{"is_primary":true,"display_order":0,"caption":"Pool","tags":["amenity"],"category":"gallery"}"#, token: sponsor
            )
            #expect(changed.status == 200, "\(changed.text)")
            #expect(changed["is_primary"] == true)
            #expect(changed.string("caption") == "Pool")
            let primaries = try await media.base.sql("SELECT id::text FROM media.property_photos WHERE is_primary AND deleted_at IS NULL")
            #expect(primaries == [ids[2]])
            let invalid = try await media.base.client.send(
                .PATCH, "/v1/properties/\(id)/photos/\(ids[2])", json: #"{"category":"selfie"}"#, token: sponsor)
            #expect(invalid.status == 422)
            #expect(invalid.text.contains(#""field":"category""#))
            // An upload's choice sent empty is refused by name, not read as "none chosen".
            let emptyChoice = try await media.raw.upload(
                "/v1/properties/\(id)/photos?photo_type=&display_order=", MediaSamples.png(width: 2, height: 2), contentType: "image/png",
                token: sponsor)
            #expect(emptyChoice.status == 422)
            #expect(emptyChoice.text.contains(#""field":"photo_type""#) && emptyChoice.text.contains(#""field":"display_order""#))
            // `redirect` is true or false, nothing else.
            let oddRedirect = try await media.base.client.get("/v1/media/photos/\(ids[0])?redirect=yes", token: sponsor)
            #expect(oddRedirect.status == 422)
            #expect(oddRedirect.text.contains(#""field":"redirect""#))

            // In gallery order (display_order, then upload order), paged.
            let first = try await media.base.client.get("/v1/properties/\(id)/photos?limit=2")
            guard case .array(let page)? = first["data"], case .string(let cursor)? = first["next_cursor"] else { throw Failure("no page") }
            let rest = try await media.base.client.get("/v1/properties/\(id)/photos?limit=2&cursor=\(cursor)")
            guard case .array(let last)? = rest["data"] else { throw Failure("no page") }
            #expect((page + last).map { $0["id"] } == [.string(ids[0]), .string(ids[2]), .string(ids[1])])

            // Deleting the primary promotes the next in order and removes the file.
            #expect(media.files.count == 3)
            #expect(try await media.base.client.send(.DELETE, "/v1/properties/\(id)/photos/\(ids[2])", token: sponsor).status == 204)
            #expect(media.files.count == 2)
            #expect(try await media.base.sql("SELECT id::text FROM media.property_photos WHERE is_primary AND deleted_at IS NULL") == [ids[0]])
            #expect(try await media.raw.get("/v1/media/photos/\(ids[2])").status == 404)
            #expect(try await media.base.client.send(.DELETE, "/v1/properties/\(id)/photos/\(ids[2])", token: sponsor).status == 404)
            #expect(try await media.base.events().suffix(2) == ["media.photo_removed", "media.primary_photo_changed"])
        }
    }
}

extension PhotoTests {
    /// Issue 11 #14: a change that leaves the caption out was a 500 (42P18, the untyped caption bind);
    /// it keeps the caption, and `""` still clears it.
    @Test func aChangeWithoutACaptionKeepsTheCaption() async throws {
        try await MediaFixture.run { media in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let uploaded = try await media.raw.upload(
                "/v1/properties/\(id)/photos?caption=Lobby", MediaSamples.png(width: 3, height: 2), token: sponsor
            )
            let photo = try #require(uploaded.string("id"))
            let moved = try await media.base.client.send(
                .PATCH, "/v1/properties/\(id)/photos/\(photo)", json: #"{"display_order":3}"#, token: sponsor
            )
            #expect(moved.status == 200, "\(moved.text)")
            #expect(moved.string("caption") == "Lobby")
            #expect(moved["display_order"] == 3)
            let cleared = try await media.base.client.send(
                .PATCH, "/v1/properties/\(id)/photos/\(photo)", json: #"{"caption":""}"#, token: sponsor
            )
            #expect(cleared.status == 200, "\(cleared.text)")
            #expect(try await media.base.sql("SELECT coalesce(caption, 'none') FROM media.property_photos WHERE id = '\(photo)'") == ["none"])
        }
    }
}

extension PhotoTests {
    static let demoSponsor = DemoPartsTests.demoSponsor

    /// `make run`'s demo photos (scripts/demo-photos.py) are files and rows the service serves, and
    /// loading them twice changes nothing.
    @Test func theDemoPhotosAreServedLikeUploads() async throws {
        try await MediaFixture.run { media in
            // Loaded as make run loads it (psql), since the file is a psql script.
            let admin = TestDatabase.adminURL
            let target = "postgres://\(admin.username):\(admin.password ?? "")@\(admin.host):\(admin.port)/\(media.base.database.name)"
            let loaded = try await RepositoryScripts.run(
                "/usr/bin/env",
                ["psql", target, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", "sponsor=\(Self.demoSponsor)", "-f", "scripts/sql/demo-properties.sql"]
            )
            try #require(loaded.status == 0, "\(loaded.output)")
            for _ in 0..<2 {
                let (status, output) = try await RepositoryScripts.run(
                    "/usr/bin/python3", ["scripts/demo-photos.py", media.root.path], environment: ["DEMO_SPONSOR_ID": Self.demoSponsor]
                )
                #expect(status == 0, "\(output)")
                for statement in output.split(separator: "\n") where statement.hasPrefix("INSERT") { try await media.base.sql(String(statement)) }
            }
            #expect(try await media.base.sql("SELECT count(*)::text FROM media.property_photos WHERE is_primary") == ["4"])
            let gallery = try await media.base.client.get("/v1/properties/01900000-0000-7000-8000-000000000001/photos")
            guard case .array(let photos)? = gallery["data"], let photo = photos.first else { throw Failure("no demo photo") }
            #expect(photo["width"] == 640)
            #expect(photo["height"] == 400)
            let content = try await media.raw.get("/v1/media/photos/01900000-0000-7000-8000-000000000101")
            #expect(content.status == 200)
            #expect(content.headers.first(name: "Content-Type") == "image/png")
            #expect(photo["sha256"] == .string(MediaSamples.sha256(content.bytes)))
            #expect(FileKind.inspect(Array(content.bytes.prefix(64)))?.width == 640)
        }
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
