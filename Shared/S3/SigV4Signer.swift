import Crypto
import Foundation

/// AWS Signature Version 4 for S3: the `Authorization` header for a request, or a presigned URL.
///
/// Pure: the clock is an argument, nothing is sent, and the same inputs always give the same
/// signature, which is what lets the tests compare it with botocore's on fixed inputs.
///
/// Signing follows S3's variant of SigV4: the path is signed as it goes on the wire (each segment
/// URI-encoded once, never normalised or double-encoded), and the payload is a SHA-256 hex digest
/// or the literal `UNSIGNED-PAYLOAD`. The URL given must be the one the request is sent to, with
/// its path and query encoded as `SigV4Signer.encode` does (S3Client builds them so).
public struct SigV4Signer: Sendable {
    /// In place of a body hash: S3 then accepts any body (TLS still protects it in transit).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of no bytes, for GET, HEAD and DELETE.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    /// Seven days: the longest S3 honours for a presigned URL.
    public static let maximumPresignedExpiry = 604_800

    static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: SigV4Credentials
    /// The region in the credential scope, e.g. `us-east-1`; must be the bucket's region.
    public var region: String
    /// The service in the credential scope: `s3` for S3 (and S3-compatible stores).
    public var service: String

    public init(credentials: SigV4Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Hex SHA-256 of a body, for the `payloadHash` argument.
    public static func payloadHash(of body: some DataProtocol) -> String {
        hex(SHA256.hash(data: body))
    }

    /// Percent-encodes a path segment or query component the way SigV4 canonicalises it (only
    /// `A–Z a–z 0–9 - _ . ~` kept); with `keepingSlash`, `/` stays, for an S3 key on a path.
    public static func encode(_ text: some StringProtocol, keepingSlash: Bool = false) -> String {
        SigV4Canonical.encode(text, keepingSlash: keepingSlash)
    }

    /// The headers to add to a request so that S3 accepts it: `Authorization`, `x-amz-date`,
    /// `x-amz-content-sha256` and, with temporary credentials, `x-amz-security-token`.
    ///
    /// - Parameters:
    ///   - headers: every header that will be sent and should be covered by the signature (e.g.
    ///     `Range`, `Content-Type`, `x-amz-meta-*`). `Host` is derived from `url` when absent, and
    ///     the HTTP client must then send the same value (AsyncHTTPClient does). Hop-by-hop headers
    ///     and `User-Agent` should be left out: proxies change them.
    ///   - payloadHash: `SigV4Signer.payloadHash(of:)` of the body, `emptyPayloadHash`, or
    ///     `unsignedPayload`.
    public func signatureHeaders(
        method: String,
        url: URL,
        headers: [(name: String, value: String)] = [],
        payloadHash: String,
        date: Date
    ) throws(SigV4Error) -> [(name: String, value: String)] {
        let timestamp = SigV4Canonical.timestamp(date)
        var added: [(name: String, value: String)] = [
            ("x-amz-date", timestamp),
            ("x-amz-content-sha256", payloadHash),
        ]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }

        // Anything the caller passed under the names we set is replaced, as botocore does.
        let ours = Set(added.map(\.name) + ["authorization"])
        let signed = try canonicalHeaders(
            headers.filter { !ours.contains($0.name.lowercased()) } + added, url: url
        )
        let request = try canonicalRequest(
            method: method, url: url, query: SigV4Canonical.queryItems(of: url), headers: signed,
            payloadHash: payloadHash
        )
        let signature = sign(request, timestamp: timestamp)
        let signedNames = signed.map(\.name).joined(separator: ";")
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(timestamp)), "
            + "SignedHeaders=\(signedNames), Signature=\(signature)"
        return [("Authorization", authorization)] + added
    }

    /// A URL that grants its holder `method` on the object until `expires` seconds after `date`,
    /// with no credentials of their own (query-string authentication).
    ///
    /// The payload is always `UNSIGNED-PAYLOAD`: whoever follows the URL chooses the body. Headers
    /// given here are signed, so the follower must send them with exactly these values.
    public func presignedURL(
        method: String = "GET",
        url: URL,
        headers: [(name: String, value: String)] = [],
        expires seconds: Int,
        date: Date
    ) throws(SigV4Error) -> URL {
        guard (1...Self.maximumPresignedExpiry).contains(seconds) else { throw .invalidExpiry(seconds: seconds) }
        let timestamp = SigV4Canonical.timestamp(date)
        let signed = try canonicalHeaders(headers, url: url)

        var authentication: [(name: String, value: String)] = [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(timestamp))"),
            ("X-Amz-Date", timestamp),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", signed.map(\.name).joined(separator: ";")),
        ]
        if let token = credentials.sessionToken { authentication.append(("X-Amz-Security-Token", token)) }
        let query = try SigV4Canonical.queryItems(of: url) + authentication

        let request = try canonicalRequest(
            method: method, url: url, query: query, headers: signed, payloadHash: Self.unsignedPayload
        )
        let signature = sign(request, timestamp: timestamp)
        // Operation parameters first and the signature last, in the order botocore writes them.
        let encodedQuery = (query + [("X-Amz-Signature", signature)])
            .map { "\(Self.encode($0.name))=\(Self.encode($0.value))" }
            .joined(separator: "&")
        let authority = try SigV4Canonical.hostName(of: url) + (url.port.map { ":\($0)" } ?? "")
        let path = try SigV4Canonical.path(of: url)
        guard let presigned = URL(string: "\(url.scheme ?? "https")://\(authority)\(path)?\(encodedQuery)") else {
            throw .invalidURL("cannot form a presigned URL from \(url.absoluteString)")
        }
        return presigned
    }

    // MARK: - The algorithm

    private func canonicalHeaders(
        _ headers: [(name: String, value: String)],
        url: URL
    ) throws(SigV4Error) -> [(name: String, value: String)] {
        var headers = headers
        if !headers.contains(where: { $0.name.lowercased() == "host" }) {
            headers.append(("host", try SigV4Canonical.host(of: url)))
        }
        return SigV4Canonical.headers(headers)
    }

    private func canonicalRequest(
        method: String,
        url: URL,
        query: [(name: String, value: String)],
        headers: [(name: String, value: String)],
        payloadHash: String
    ) throws(SigV4Error) -> String {
        [
            method.uppercased(),
            try SigV4Canonical.path(of: url),
            SigV4Canonical.query(query),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            headers.map(\.name).joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    /// The credential scope: date, region, service, `aws4_request`.
    private func scope(_ timestamp: String) -> String {
        "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    private func sign(_ canonicalRequest: String, timestamp: String) -> String {
        let stringToSign = [
            Self.algorithm, timestamp, scope(timestamp), Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        // The key is derived per day, region and service so that a leaked signing key is narrow.
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [String(timestamp.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    private static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
