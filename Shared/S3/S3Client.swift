import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// The handful of S3 calls an application needs to keep files: create a bucket, put, get (whole or
/// a byte range), head and delete an object, and hand out presigned GET URLs.
///
/// Requests are signed with SigV4 and sent path-style to the configured endpoint, so the same
/// client talks to AWS and to S3-compatible stores (MinIO, moto, Ceph). Bodies are held in memory:
/// this is for documents and images, not for multi-gigabyte uploads (no multipart).
///
/// Every error thrown is an `S3Error`, except `CancellationError` when the calling task is
/// cancelled.
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    private let httpClient: HTTPClient
    private let signer: SigV4Signer
    private let logger: Logger
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - httpClient: shared with the rest of the process; the client never shuts it down.
    ///   - now: the clock signatures are dated by; S3 refuses a date more than 15 minutes off.
    public init(
        configuration: S3Configuration,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "s3"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
        self.logger = logger
        self.now = now
    }

    /// Creates `bucket` in the configured region. Returns false when it already exists and is ours,
    /// so first start and tests can call it unconditionally.
    @discardableResult
    public func createBucket(_ bucket: String) async throws -> Bool {
        var body: ByteBuffer?
        // us-east-1 is S3's default location and refuses to be named in the request.
        if configuration.region != "us-east-1" {
            body = ByteBuffer(
                string: #"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
                    + "<LocationConstraint>\(configuration.region)</LocationConstraint></CreateBucketConfiguration>"
            )
        }
        do {
            _ = try await send(.PUT, try url(bucket: bucket), body: body)
            return true
        } catch let error as S3Error where error.code == "BucketAlreadyOwnedByYou" {
            return false
        }
    }

    /// Stores `body` under `key`, replacing any object there. Returns the new ETag as S3 sent it.
    ///
    /// The body is hashed into the signature, so S3 rejects it if a byte changes on the way.
    @discardableResult
    public func putObject(bucket: String, key: String, body: ByteBuffer, contentType: String) async throws -> String {
        let response = try await send(
            .PUT, try url(bucket: bucket, key: key), headers: [("Content-Type", contentType)], body: body
        )
        guard let eTag = response.head.headers.first(name: "ETag") else {
            throw S3Error.unexpectedResponse("PUT \(bucket)/\(key) returned no ETag")
        }
        return eTag
    }

    /// The object's bytes, or only `range` of them (byte offsets, both ends included, as in HTTP
    /// `Range: bytes=first-last`; S3 clamps a range that runs past the end).
    public func getObject(bucket: String, key: String, range: ClosedRange<Int>? = nil) async throws -> S3Object {
        var headers: [(name: String, value: String)] = []
        if let range {
            guard range.lowerBound >= 0 else { throw S3Error.invalidRequest("negative byte range \(range)") }
            headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)"))
        }
        let response = try await send(.GET, try url(bucket: bucket, key: key), headers: headers)
        return S3Object(
            body: response.body,
            metadata: try metadata(of: response.head, bucket: bucket, key: key),
            contentRange: response.head.headers.first(name: "Content-Range")
        )
    }

    /// The object's metadata without its body. A missing object is `S3Error.service` with status
    /// 404 and no code (HEAD responses carry no error document); see `S3Error.isNotFound`.
    public func headObject(bucket: String, key: String) async throws -> S3ObjectMetadata {
        let response = try await send(.HEAD, try url(bucket: bucket, key: key))
        return try metadata(of: response.head, bucket: bucket, key: key)
    }

    /// Deletes the object. S3 answers success whether or not it existed.
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await send(.DELETE, try url(bucket: bucket, key: key))
    }

    /// A URL anyone can GET the object with, without credentials, until `expires` has passed
    /// (at most seven days, rounded down to whole seconds).
    public func presignedGetURL(bucket: String, key: String, expires: Duration) throws -> URL {
        do {
            return try signer.presignedURL(
                url: try url(bucket: bucket, key: key), expires: Int(expires.components.seconds), date: now()
            )
        } catch let error as SigV4Error {
            throw S3Error.invalidRequest(error.description)
        }
    }

    // MARK: - Requests

    private struct Response {
        var head: HTTPClientResponse
        var body: ByteBuffer
    }

    private func send(
        _ method: HTTPMethod,
        _ url: URL,
        headers: [(name: String, value: String)] = [],
        body: ByteBuffer? = nil
    ) async throws -> Response {
        let payloadHash =
            body.map { buffer in
                buffer.withUnsafeReadableBytes { SigV4Signer.payloadHash(of: $0) }
            } ?? SigV4Signer.emptyPayloadHash
        let host: String
        let signature: [(name: String, value: String)]
        do {
            host = try SigV4Canonical.host(of: url)
            // Host is sent explicitly, so the signed value and the sent value cannot differ.
            signature = try signer.signatureHeaders(
                method: method.rawValue, url: url, headers: headers + [("Host", host)], payloadHash: payloadHash,
                date: now()
            )
        } catch {
            throw S3Error.invalidRequest(error.description)
        }

        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Host", value: host)
        for header in headers + signature { request.headers.add(name: header.name, value: header.value) }
        if let body { request.body = .bytes(body) }

        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: TimeAmount(configuration.timeout), logger: logger)
            // An error document is small; a success body is bounded by the configuration.
            let limit = (200..<300).contains(response.status.code) ? configuration.maximumBodySize : 64 * 1024
            bytes = try await response.body.collect(upTo: limit)
        } catch {
            throw Self.classify(error, limit: configuration.maximumBodySize)
        }
        logger.debug(
            "S3 request",
            metadata: ["s3.method": "\(method.rawValue)", "s3.path": "\(url.path())", "s3.status": "\(response.status.code)"]
        )

        guard (200..<300).contains(response.status.code) else {
            let document = S3ErrorDocument(xml: String(buffer: bytes))
            throw S3Error.service(
                status: Int(response.status.code), code: document.code, message: document.message,
                requestID: document.requestID ?? response.headers.first(name: "x-amz-request-id")
            )
        }
        return Response(head: response, body: bytes)
    }

    private static func classify(_ error: any Error, limit: Int) -> any Error {
        switch error {
        case is CancellationError: error
        case is NIOTooManyBytesError: S3Error.responseTooLarge(limit: limit)
        case let error as HTTPClientError
        where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout:
            S3Error.timedOut
        default: S3Error.connectionFailed(String(describing: error))
        }
    }

    private func metadata(of response: HTTPClientResponse, bucket: String, key: String) throws -> S3ObjectMetadata {
        guard let eTag = response.headers.first(name: "ETag"),
            let length = response.headers.first(name: "Content-Length").flatMap({ Int($0) })
        else {
            throw S3Error.unexpectedResponse("\(bucket)/\(key) came without an ETag or Content-Length")
        }
        return S3ObjectMetadata(
            eTag: eTag, contentLength: length, contentType: response.headers.first(name: "Content-Type")
        )
    }

    // MARK: - Addressing

    /// `<endpoint>/<bucket>/<key>`, the key encoded segment by segment exactly as SigV4 signs it.
    private func url(bucket: String, key: String? = nil) throws -> URL {
        try Self.validate(bucket: bucket)
        var path = configuration.endpoint.absoluteString
        while path.hasSuffix("/") { path.removeLast() }
        path += "/" + bucket
        if let key {
            guard (1...1024).contains(key.utf8.count) else {
                throw S3Error.invalidRequest("object keys are 1 to 1024 bytes of UTF-8; got \(key.utf8.count)")
            }
            path += "/" + SigV4Signer.encode(key, keepingSlash: true)
        }
        guard let url = URL(string: path) else { throw S3Error.invalidRequest("cannot form a URL for \(bucket)") }
        return url
    }

    /// S3's bucket naming rules, checked before every request so that a bad name is a clear error
    /// rather than a request for some other path; public so that a caller can check its setting at
    /// start-up. Throws `S3Error.invalidRequest`.
    public static func validate(bucket: String) throws {
        let allowed = bucket.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard (3...63).contains(bucket.utf8.count), allowed,
            bucket.first?.isLetter == true || bucket.first?.isNumber == true,
            bucket.last?.isLetter == true || bucket.last?.isNumber == true
        else {
            throw S3Error.invalidRequest("invalid bucket name \(bucket.debugDescription)")
        }
    }
}
