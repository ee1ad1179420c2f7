import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import S3
import TestSupport
import Testing

/// The client against a real S3 implementation (moto's server, see MotoServer) that checks every
/// signature with an IAM user's key, as AWS does.
@Suite struct S3ClientTests {
    let bucket = "tract-media"

    func client(_ moto: MotoServer, _ credentials: SigV4Credentials, region: String = "eu-west-2") -> S3Client {
        S3Client(configuration: S3Configuration(endpoint: moto.endpoint, region: region, credentials: credentials))
    }

    /// A moto that enforces authentication, with one IAM user made through its first actions.
    func authenticatingMoto() async throws -> (MotoServer, SigV4Credentials) {
        let moto = try MotoServer(enforcingAuthenticationAfter: MotoServer.actionsToCreateUser)
        return (moto, try await moto.createUser(named: "tract-properties"))
    }

    static func randomBytes(_ count: Int) -> ByteBuffer {
        var generator = SystemRandomNumberGenerator()
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count)
        for _ in 0..<(count / 8) { buffer.writeInteger(generator.next() as UInt64) }
        for _ in 0..<(count % 8) { buffer.writeInteger(UInt8.random(in: 0...255, using: &generator)) }
        return buffer
    }

    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func roundTripsObjectsWithAnIAMUsersKey() async throws {
        let (moto, credentials) = try await authenticatingMoto()
        let s3 = client(moto, credentials)
        #expect(try await s3.createBucket(bucket))
        #expect(try await s3.createBucket(bucket) == false, "a second create is tolerated")

        let key = "properties/42/photos/front view 1.jpg"
        let body = Self.randomBytes(5 * 1024 * 1024 + 3)
        let eTag = try await s3.putObject(bucket: bucket, key: key, body: body, contentType: "image/jpeg")
        #expect(eTag.hasPrefix("\"") && eTag.hasSuffix("\""))

        let object = try await s3.getObject(bucket: bucket, key: key)
        #expect(object.body == body)
        #expect(object.metadata == S3ObjectMetadata(eTag: eTag, contentLength: body.readableBytes, contentType: "image/jpeg"))
        #expect(object.contentRange == nil)

        let head = try await s3.headObject(bucket: bucket, key: key)
        #expect(head == object.metadata)

        let range = try await s3.getObject(bucket: bucket, key: key, range: 1_000_000...1_000_009)
        #expect(range.body == body.getSlice(at: 1_000_000, length: 10))
        #expect(range.metadata.contentLength == 10)
        #expect(range.contentRange == "bytes 1000000-1000009/\(body.readableBytes)")

        let small = ByteBuffer(string: "%PDF-1.7\nZoë\n")
        try await s3.putObject(bucket: bucket, key: "docs/a~b.pdf", body: small, contentType: "application/pdf")
        #expect(try await s3.getObject(bucket: bucket, key: "docs/a~b.pdf").body == small)

        try await s3.deleteObject(bucket: bucket, key: key)
        await #expect {
            _ = try await s3.headObject(bucket: bucket, key: key)
        } throws: { ($0 as? S3Error)?.isNotFound == true && ($0 as? S3Error)?.code == nil }
        await #expect {
            _ = try await s3.getObject(bucket: bucket, key: key)
        } throws: { ($0 as? S3Error)?.status == 404 && ($0 as? S3Error)?.code == "NoSuchKey" }
        try await s3.deleteObject(bucket: bucket, key: key)  // deleting again is not an error
    }

    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func isRefusedWithAWrongSecretOrAnUnknownKey() async throws {
        let (moto, credentials) = try await authenticatingMoto()
        let s3 = client(moto, credentials)
        try await s3.createBucket(bucket)
        try await s3.putObject(bucket: bucket, key: "a.txt", body: ByteBuffer(string: "a"), contentType: "text/plain")

        var wrongSecret = credentials
        wrongSecret.secretAccessKey = String(credentials.secretAccessKey.reversed())
        await #expect {
            _ = try await client(moto, wrongSecret).getObject(bucket: bucket, key: "a.txt")
        } throws: { ($0 as? S3Error)?.status == 403 && ($0 as? S3Error)?.code == "SignatureDoesNotMatch" }
        await #expect {
            try await client(moto, wrongSecret).putObject(
                bucket: bucket, key: "b.txt", body: ByteBuffer(string: "b"), contentType: "text/plain"
            )
        } throws: { ($0 as? S3Error)?.status == 403 && ($0 as? S3Error)?.code == "SignatureDoesNotMatch" }

        let unknown = SigV4Credentials(accessKeyID: "AKIAUNKNOWNEXAMPLE00", secretAccessKey: credentials.secretAccessKey)
        await #expect {
            _ = try await client(moto, unknown).getObject(bucket: bucket, key: "a.txt")
        } throws: { ($0 as? S3Error)?.status == 403 && ($0 as? S3Error)?.code == "InvalidAccessKeyId" }

        // The same request with the right key still succeeds: the refusals were about the key.
        #expect(try await s3.getObject(bucket: bucket, key: "a.txt").body == ByteBuffer(string: "a"))
        await #expect {
            _ = try await s3.headObject(bucket: bucket, key: "b.txt")
        } throws: { ($0 as? S3Error)?.isNotFound == true }
    }

    /// moto cannot check a presigned URL while it enforces authentication (it looks for an
    /// Authorization header and fails with 500), so this runs on an open moto: it proves that the
    /// URL names the right object and that a plain GET with no credentials is served; the signature
    /// itself is proven against botocore in SigV4SignerTests.
    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func presignedURLServesTheObjectToAPlainGET() async throws {
        let moto = try MotoServer()
        let s3 = client(
            moto, SigV4Credentials(accessKeyID: "AKIDTRACTEXAMPLE", secretAccessKey: "secret"), region: "us-east-1"
        )
        try await s3.createBucket(bucket)
        // Keys moto's signature check mishandles (non-ASCII, reserved characters) are exercised here.
        let key = "statements/Zoë's 2024 Q1 (final)+draft.pdf"
        let body = Self.randomBytes(70_000)
        try await s3.putObject(bucket: bucket, key: key, body: body, contentType: "application/pdf")
        #expect(try await s3.getObject(bucket: bucket, key: key).body == body)

        let url = try s3.presignedGetURL(bucket: bucket, key: key, expires: .seconds(600))
        #expect(url.query()?.contains("X-Amz-Expires=600") == true)
        #expect(url.path(percentEncoded: true) == "/tract-media/statements/Zo%C3%AB%27s%202024%20Q1%20%28final%29%2Bdraft.pdf")
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(try await response.body.collect(upTo: 1 << 20) == body)

        #expect {
            try s3.presignedGetURL(bucket: bucket, key: key, expires: .seconds(604_801))
        } throws: { Self.isInvalidRequest($0) }
    }

    @Test func timesOutWhenTheServerNeverAnswers() async throws {
        // A socket that accepts and then says nothing.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let s3 = S3Client(
            configuration: S3Configuration(
                endpoint: try #require(URL(string: "http://127.0.0.1:\(port)")), region: "us-east-1",
                credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "b"), timeout: .milliseconds(300)
            )
        )
        await #expect(throws: S3Error.timedOut) { _ = try await s3.getObject(bucket: bucket, key: "a.txt") }
        try await silent.close()
    }

    @Test func refusesNamesS3WouldRefuseBeforeSending() async throws {
        let s3 = S3Client(
            configuration: S3Configuration(
                endpoint: try #require(URL(string: "http://127.0.0.1:9")), region: "us-east-1",
                credentials: SigV4Credentials(accessKeyID: "a", secretAccessKey: "b")
            )
        )
        for bucket in ["ab", "Tract-Media", "-tract", "tract_media", String(repeating: "a", count: 64)] {
            await #expect { _ = try await s3.headObject(bucket: bucket, key: "a") } throws: { Self.isInvalidRequest($0) }
        }
        await #expect { _ = try await s3.headObject(bucket: bucket, key: "") } throws: { Self.isInvalidRequest($0) }
        await #expect {
            _ = try await s3.headObject(bucket: bucket, key: String(repeating: "é", count: 513))
        } throws: { Self.isInvalidRequest($0) }
        await #expect {
            _ = try await s3.getObject(bucket: bucket, key: "a", range: -1...3)
        } throws: { Self.isInvalidRequest($0) }
    }

    static func isInvalidRequest(_ error: any Error) -> Bool {
        if case .invalidRequest = error as? S3Error { true } else { false }
    }
}
