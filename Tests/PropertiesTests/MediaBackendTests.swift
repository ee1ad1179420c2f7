import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import NIOPosix
import S3
import TestSupport
import Testing

@testable import PropertiesService

/// Photos and documents through the HTTP API on each storage backend: the filesystem (`make run`)
/// and S3, against moto checking every request's signature with an IAM user's key. The same bytes
/// go in and come out, whole and in ranges, and deleting removes them from the backend.
@Suite struct MediaBackendTests {
    enum Backend: String, Sendable {
        case filesystem, s3
    }

    /// The S3 end of a run: moto, the IAM user's key, and a client that reads the bucket directly.
    struct S3Side: Sendable {
        let moto: MotoServer
        let settings: MediaSettings.S3Settings

        var client: S3Client {
            S3Client(
                configuration: S3Configuration(endpoint: self.settings.endpoint, region: self.settings.region, credentials: self.settings.credentials)
            )
        }
    }

    static func run(_ backend: Backend, _ body: @escaping @Sendable (MediaFixture, S3Side?) async throws -> Void) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-media-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var settings = PropertiesSettings(censusGeocoderURL: PropertiesFixture.noGeocoder)
        var s3: S3Side?
        switch backend {
        case .filesystem:
            settings.media = MediaSettings(backend: .filesystem(root: root), maxUploadBytes: MediaFixture.limit)
        case .s3:
            let moto = try MotoServer(enforcingAuthenticationAfter: MotoServer.actionsToCreateUser)
            let credentials = try await moto.createUser(named: "tract-properties")
            // The bucket does not exist yet: the service makes it at start-up.
            let side = S3Side(
                moto: moto,
                settings: MediaSettings.S3Settings(endpoint: moto.endpoint, region: "eu-west-2", bucket: "tract-media", credentials: credentials)
            )
            settings.media = MediaSettings(backend: .s3(side.settings), maxUploadBytes: MediaFixture.limit)
            s3 = side
        }
        let side = s3
        try await PropertiesFixture.run(settings: settings) { fixture in
            try await body(MediaFixture(base: fixture, raw: RawClient(baseURL: fixture.client.baseURL), root: root), side)
        }
    }

    @Test func theSameBytesRoundTripOnTheFileSystem() async throws {
        try await Self.roundTrip(.filesystem)
    }

    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func theSameBytesRoundTripOnS3() async throws {
        try await Self.roundTrip(.s3)
    }

    @Test func missingBytesAreA404ProblemOnTheFileSystem() async throws {
        try await Self.missingBytes(.filesystem)
    }

    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func missingBytesAreA404ProblemOnS3() async throws {
        try await Self.missingBytes(.s3)
    }

    /// Bytes gone from the backend behind the service's back (a bucket lifecycle rule, an operator's
    /// clean-up): S3's `NoSuchKey`, like a missing file, is a 404 problem, whole or ranged, not a 500
    /// or a body cut off after the headers; the record can still be deleted.
    static func missingBytes(_ backend: Backend) async throws {
        try await Self.run(backend) { media, s3 in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let photo = try await media.raw.upload(
                "/v1/properties/\(id)/photos", MediaSamples.png(width: 30, height: 20), contentType: "image/png", token: sponsor
            )
            let photoID = try #require(photo.string("id"))
            let key = try #require(try await media.base.sql("SELECT storage_key FROM media.property_photos WHERE id = '\(photoID)'").first)
            if let s3 {
                try await s3.client.deleteObject(bucket: s3.settings.bucket, key: key)
            } else {
                try FileManager.default.removeItem(at: media.root.appendingPathComponent(key))
            }

            for range in [nil, "bytes=0-9", "bytes=-10"] {
                let answer = try await media.raw.get("/v1/media/photos/\(photoID)", token: sponsor, headers: range.map { [("Range", $0)] } ?? [])
                #expect(answer.status == 404, "\(range ?? "whole"): \(answer.text)")
                #expect(answer.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(answer["status"] == .number(404))
                #expect(answer.string("title") == "Not Found")
                #expect(answer.string("detail") == "The file's bytes are missing from storage.")
            }
            #expect(try await media.base.client.send(.DELETE, "/v1/properties/\(id)/photos/\(photoID)", token: sponsor).status == 204)
        }
    }

    static func roundTrip(_ backend: Backend) async throws {
        try await Self.run(backend) { media, s3 in
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let png = MediaSamples.png(width: 300, height: 200)
            let photo = try await media.raw.upload("/v1/properties/\(id)/photos?file_name=front.png", png, contentType: "image/png", token: sponsor)
            #expect(photo.status == 201, "\(photo.text)")
            let photoID = try #require(photo.string("id"))
            let pdf = MediaSamples.pdf(String(repeating: "offering memorandum ", count: 500))
            let document = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Offering%20Memorandum&visibility=public&file_name=memo.pdf", pdf,
                contentType: "application/pdf", token: sponsor
            )
            #expect(document.status == 201, "\(document.text)")
            let documentID = try #require(document.string("id"))

            let downloads = [
                (path: "/v1/media/photos/\(photoID)", bytes: png, type: "image/png"),
                (path: "/v1/media/documents/\(documentID)", bytes: pdf, type: "application/pdf"),
            ]
            for download in downloads {
                let whole = try await media.raw.get(download.path, token: sponsor)
                #expect(whole.status == 200, "\(download.path): \(whole.text)")
                #expect(whole.bytes == download.bytes)
                #expect(whole.headers.first(name: "Content-Type") == download.type)
                #expect(whole.headers.first(name: "ETag") == "\"\(MediaSamples.sha256(download.bytes))\"")
                #expect(whole.headers.first(name: "Content-Length") == String(download.bytes.count))
                let part = try await media.raw.get(download.path, token: sponsor, headers: [("Range", "bytes=100-4099")])
                #expect(part.status == 206)
                #expect(part.bytes == Array(download.bytes[100...4099]))
                #expect(part.headers.first(name: "Content-Range") == "bytes 100-4099/\(download.bytes.count)")
                let tail = try await media.raw.get(download.path, token: sponsor, headers: [("Range", "bytes=-10")])
                #expect(tail.status == 206)
                #expect(tail.bytes == Array(download.bytes.suffix(10)))
            }

            // The bytes are where the backend keeps them, under the recorded key.
            let photoKey = try #require(try await media.base.sql("SELECT storage_key FROM media.property_photos WHERE id = '\(photoID)'").first)
            if let s3 {
                let object = try await s3.client.getObject(bucket: s3.settings.bucket, key: photoKey)
                #expect(Array(object.body.readableBytesView) == png)
                #expect(object.metadata.contentType == "image/png")
                #expect(media.files.isEmpty, "nothing is kept on the filesystem")
            } else {
                #expect(media.files.contains(photoKey))
                // No signed URLs here: `?redirect=true` is served like any download.
                let direct = try await media.raw.get("/v1/media/photos/\(photoID)?redirect=true", token: sponsor)
                #expect(direct.status == 200)
                #expect(direct.bytes == png)
            }

            // Deleting the photo removes its bytes.
            #expect(try await media.base.client.send(.DELETE, "/v1/properties/\(id)/photos/\(photoID)", token: sponsor).status == 204)
            #expect(try await media.raw.get("/v1/media/photos/\(photoID)", token: sponsor).status == 404)
            if let s3 {
                await #expect {
                    _ = try await s3.client.headObject(bucket: s3.settings.bucket, key: photoKey)
                } throws: { ($0 as? S3Error)?.isNotFound == true }
            } else {
                #expect(!media.files.contains(photoKey))
            }
        }
    }

    /// `?redirect=true` on S3: a 307 to a presigned GET, only for callers who may read the file.
    /// moto serves presigned URLs but cannot check their signatures (see MotoServer), so botocore,
    /// AWS's own signer, judges the signature, and refuses it once the URL is changed.
    @Test(.enabled(if: MotoServer.isConfigured, "needs moto and botocore: set TRACT_PYTHON"))
    func s3DownloadsRedirectToASignedURLForThoseWhoMayRead() async throws {
        try await Self.run(.s3) { media, s3 in
            let s3 = try #require(s3)
            let sponsor = try await media.base.token(.sponsor)
            let id = try await media.property(sponsor: sponsor)
            let pdf = MediaSamples.pdf("subscription agreement")
            let document = try await media.raw.upload(
                "/v1/properties/\(id)/documents?name=Subscription%20Agreement&visibility=private", pdf, token: sponsor
            )
            let documentID = try #require(document.string("id"))
            let base = media.base.client.baseURL

            let stranger = try await Self.getWithoutFollowing(
                "\(base)/v1/media/documents/\(documentID)?redirect=true", token: try await media.base.token(.investor))
            #expect(stranger.status == .notFound)
            #expect(stranger.headers.first(name: "Location") == nil)

            let answer = try await Self.getWithoutFollowing("\(base)/v1/media/documents/\(documentID)?redirect=true", token: sponsor)
            #expect(answer.status == .temporaryRedirect)
            #expect(answer.headers.first(name: "Cache-Control") == "no-store")
            let url = try #require(answer.headers.first(name: "Location").flatMap { URL(string: $0) })
            let key = try #require(try await media.base.sql("SELECT storage_key FROM media.documents WHERE id = '\(documentID)'").first)
            #expect(url.host() == "127.0.0.1" && url.port == s3.moto.endpoint.port)
            #expect(url.path() == "/tract-media/\(key)")
            let query = Dictionary(
                (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }
            ) { first, _ in first }
            #expect(query["X-Amz-Expires"] == "300", "MEDIA_SIGNED_URL_SECONDS' default")
            #expect(query["X-Amz-Credential"]?.hasPrefix("\(s3.settings.credentials.accessKeyID)/") == true)
            #expect(query["X-Amz-Credential"]?.hasSuffix("/eu-west-2/s3/aws4_request") == true)
            #expect(try await Botocore.acceptsPresignedGet(url, credentials: s3.settings.credentials, region: "eu-west-2"))

            // Another object, a longer life, another secret: each gives another signature.
            let otherObject = try #require(URL(string: url.absoluteString.replacingOccurrences(of: documentID, with: UUID().uuidString.lowercased())))
            let longer = try #require(URL(string: url.absoluteString.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=604800")))
            var otherSecret = s3.settings.credentials
            otherSecret.secretAccessKey = "not-the-secret"
            #expect(try await Botocore.acceptsPresignedGet(otherObject, credentials: s3.settings.credentials, region: "eu-west-2") == false)
            #expect(try await Botocore.acceptsPresignedGet(longer, credentials: s3.settings.credentials, region: "eu-west-2") == false)
            #expect(try await Botocore.acceptsPresignedGet(url, credentials: otherSecret, region: "eu-west-2") == false)

            // A link share redirects too, for whoever holds the link.
            let share = try await media.base.client.post("/v1/documents/\(documentID)/shares", "{}", token: sponsor)
            let shareURL = try #require(share.string("url"))
            let shared = try await Self.getWithoutFollowing("\(base)\(shareURL)?redirect=true", token: nil)
            #expect(shared.status == .temporaryRedirect)

            // Fetched from the store itself, without credentials: the bytes, with their type.
            try await s3.moto.stopEnforcingAuthentication()
            let fetched = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(30))
            #expect(fetched.status == .ok)
            #expect(fetched.headers.first(name: "Content-Type") == "application/pdf")
            #expect(Array(try await fetched.body.collect(upTo: 1 << 20).readableBytesView) == pdf)
        }
    }

    /// One GET that leaves a redirect unfollowed, so the test sees the Location itself.
    static func getWithoutFollowing(_ url: String, token: String?) async throws -> (status: HTTPResponseStatus, headers: HTTPHeaders) {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let result: Result<(HTTPResponseStatus, HTTPHeaders), any Error>
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            result = .success((response.status, response.headers))
        } catch {
            result = .failure(error)
        }
        try await client.shutdown()
        return try result.get()
    }
}
