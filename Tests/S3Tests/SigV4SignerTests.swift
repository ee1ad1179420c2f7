import Foundation
import S3
import TestSupport
import Testing

/// The signer against botocore (AWS's own Python signer) on fixed inputs, and against the worked
/// example in the S3 documentation. The expected values come from generate-sigv4-vectors.py beside
/// this file; the inputs here must stay identical to the script's.
@Suite struct SigV4SignerTests {
    static let credentials = SigV4Credentials(
        accessKeyID: "AKIDTRACTEXAMPLE", secretAccessKey: "tract/secret+key/EXAMPLE0123456789abcdef"
    )
    static let sessionToken = "FwoGZXIvYXdzEXAMPLE//session+token="
    /// 2024-03-15T12:34:56Z, the script's FIXED_NOW.
    static let now = Date(timeIntervalSince1970: 1_710_506_096)

    func signer(region: String, token: String? = nil) -> SigV4Signer {
        var credentials = Self.credentials
        credentials.sessionToken = token
        return SigV4Signer(credentials: credentials, region: region)
    }

    func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "Authorization" }?.value
    }

    /// `/bucket/key` as S3Client puts it on the wire.
    func url(_ endpoint: String, _ bucket: String, _ key: String, query: String = "") throws -> URL {
        try #require(URL(string: endpoint + "/" + bucket + "/" + SigV4Signer.encode(key, keepingSlash: true) + query))
    }

    @Test func matchesAWSDocumentedGetObjectExample() throws {
        // https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html, "GET Object".
        let signer = SigV4Signer(
            credentials: SigV4Credentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            ),
            region: "us-east-1"
        )
        let headers = try signer.signatureHeaders(
            method: "GET", url: try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")),
            headers: [("Range", "bytes=0-9")], payloadHash: SigV4Signer.emptyPayloadHash,
            date: Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z
        )
        #expect(authorization(headers) == BotocoreVectors.awsDocumentedGetObject)
        #expect(authorization(headers)?.hasSuffix("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41") == true)
        #expect(headers.first { $0.name == "x-amz-date" }?.value == "20130524T000000Z")
        #expect(headers.first { $0.name == "x-amz-content-sha256" }?.value == SigV4Signer.emptyPayloadHash)
        #expect(!headers.contains { $0.name == "x-amz-security-token" })
    }

    @Test func getWithQueryAndUnicodeKey() throws {
        let headers = try signer(region: "us-east-1").signatureHeaders(
            method: "GET",
            url: try url(
                "http://127.0.0.1:9000", "tract-media", "photos/Zoë's house 1.jpg",
                query: "?versionId=3%2Fa%20b&response-content-type=image%2Fjpeg"
            ),
            headers: [("Range", "bytes=0-1023")], payloadHash: SigV4Signer.emptyPayloadHash, date: Self.now
        )
        #expect(authorization(headers) == BotocoreVectors.getWithQueryAndUnicodeKey)
    }

    @Test func putWithPayloadHash() throws {
        let body = Data("hello tract\n".utf8)
        let headers = try signer(region: "eu-west-2").signatureHeaders(
            method: "PUT", url: try url("http://127.0.0.1:9000", "tract-media", "docs/report (final).pdf"),
            headers: [("Content-Type", "application/pdf"), ("X-Amz-Meta-Title", "  Q1   report  "), ("Content-Length", "12")],
            payloadHash: SigV4Signer.payloadHash(of: body), date: Self.now
        )
        #expect(authorization(headers) == BotocoreVectors.putWithPayloadHash)
        #expect(headers.first { $0.name == "x-amz-content-sha256" }?.value == SigV4Signer.payloadHash(of: body))
    }

    @Test func getWithSessionToken() throws {
        let headers = try signer(region: "us-west-2", token: Self.sessionToken).signatureHeaders(
            method: "GET", url: try url("https://s3.us-west-2.amazonaws.com", "tract-media", "a/b/c.txt"),
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.now
        )
        #expect(authorization(headers) == BotocoreVectors.getWithSessionToken)
        #expect(headers.first { $0.name == "x-amz-security-token" }?.value == Self.sessionToken)
    }

    @Test func deleteWithReservedCharactersAndUnsignedPayload() throws {
        let key = "odd/a+b=c&d~e!*'()[]@$;:,.txt"
        let target = try url("https://s3.amazonaws.com", "tract-media", key)
        #expect(target.path(percentEncoded: true) == "/tract-media/odd/a%2Bb%3Dc%26d~e%21%2A%27%28%29%5B%5D%40%24%3B%3A%2C.txt")
        let headers = try signer(region: "us-east-1").signatureHeaders(
            method: "DELETE", url: target, payloadHash: SigV4Signer.unsignedPayload, date: Self.now
        )
        #expect(authorization(headers) == BotocoreVectors.deleteWithReservedCharactersUnsignedPayload)
    }

    @Test func presignedGet() throws {
        let presigned = try signer(region: "us-east-1").presignedURL(
            url: try url("http://127.0.0.1:9000", "tract-media", "photos/Zoë's house 1.jpg"), expires: 3600,
            date: Self.now
        )
        #expect(presigned.absoluteString == BotocoreVectors.presignedGet)
    }

    @Test func presignedGetWithSessionTokenAtMaximumExpiry() throws {
        let presigned = try signer(region: "eu-central-1", token: Self.sessionToken).presignedURL(
            url: try url("https://s3.eu-central-1.amazonaws.com", "tract-media", "statements/2024 Q1.pdf"),
            expires: SigV4Signer.maximumPresignedExpiry, date: Self.now
        )
        #expect(presigned.absoluteString == BotocoreVectors.presignedGetWithSessionTokenMaxExpiry)
    }

    @Test func refusesExpiriesS3WouldNotHonour() throws {
        let target = try url("https://s3.amazonaws.com", "tract-media", "a.txt")
        for seconds in [0, -1, SigV4Signer.maximumPresignedExpiry + 1] {
            #expect(throws: SigV4Error.invalidExpiry(seconds: seconds)) {
                try signer(region: "us-east-1").presignedURL(url: target, expires: seconds, date: Self.now)
            }
        }
    }

    @Test func headerNamesAreCaseInsensitiveAndCallerCannotOverrideTheDate() throws {
        let target = try url(
            "http://127.0.0.1:9000", "tract-media", "photos/Zoë's house 1.jpg", query: "?versionId=3%2Fa%20b&response-content-type=image%2Fjpeg")
        let headers = try signer(region: "us-east-1").signatureHeaders(
            method: "get", url: target,
            headers: [("RANGE", "bytes=0-1023"), ("X-Amz-Date", "19700101T000000Z"), ("host", "127.0.0.1:9000")],
            payloadHash: SigV4Signer.emptyPayloadHash, date: Self.now
        )
        #expect(authorization(headers) == BotocoreVectors.getWithQueryAndUnicodeKey)
    }

    @Test func timestampsAreUTCWhateverTheDate() throws {
        let target = try url("https://s3.amazonaws.com", "b-b", "k")
        for (seconds, expected) in [
            (0.0, "19700101T000000Z"), (951_782_400.0, "20000229T000000Z"), (4_102_444_799.9, "20991231T235959Z"),
        ] {
            let headers = try signer(region: "us-east-1").signatureHeaders(
                method: "GET", url: target, payloadHash: SigV4Signer.emptyPayloadHash,
                date: Date(timeIntervalSince1970: seconds)
            )
            #expect(headers.first { $0.name == "x-amz-date" }?.value == expected)
        }
    }

    /// The pasted vectors are still what botocore computes: the script runs with the venv's botocore
    /// (it comes with moto) and its output is compared name by name, so the vectors above cannot
    /// drift from AWS's own signer unnoticed when either side changes.
    @Test(.enabled(if: MotoServer.isConfigured, "needs botocore: set TRACT_PYTHON"))
    func vectorsAreWhatBotocoreComputesNow() async throws {
        let script = RepositoryScripts.root.appendingPathComponent("Tests/S3Tests/generate-sigv4-vectors.py").path
        let (status, output) = try await RepositoryScripts.run(RepositoryScripts.python, [script])
        #expect(status == 0, "\(output)")
        var computed: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let match = line.wholeMatch(of: /\s*static let (\w+) = "(.*)"/) else { continue }
            computed[String(match.1)] = String(match.2)
        }
        #expect(computed == BotocoreVectors.all)
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let text = "\(signer(region: "us-east-1", token: Self.sessionToken).credentials)"
        #expect(!text.contains(Self.credentials.secretAccessKey))
        #expect(!text.contains(Self.sessionToken))
        #expect(text.contains("AKIDTRACTEXAMPLE"))
    }
}

/// Output of `python3 generate-sigv4-vectors.py` (botocore's S3SigV4Auth and S3SigV4QueryAuth).
enum BotocoreVectors {
    // Generated by generate-sigv4-vectors.py with botocore 1.43.11.
    static let getWithQueryAndUnicodeKey =
        "AWS4-HMAC-SHA256 Credential=AKIDTRACTEXAMPLE/20240315/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=4c3bfe8c5ebc47193b0c8537611b325a177cef8e5649946f1cf95307e34e7101"
    static let putWithPayloadHash =
        "AWS4-HMAC-SHA256 Credential=AKIDTRACTEXAMPLE/20240315/eu-west-2/s3/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-title, Signature=23013a1f9e70536a0ecd10572c1e490dbbd1bffba4de494d46f24c5d065b1fae"
    static let getWithSessionToken =
        "AWS4-HMAC-SHA256 Credential=AKIDTRACTEXAMPLE/20240315/us-west-2/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=571df3e62164171e0dbe5de2b7dc72808b3ad58dc66d67aa7a7355414de256c3"
    static let deleteWithReservedCharactersUnsignedPayload =
        "AWS4-HMAC-SHA256 Credential=AKIDTRACTEXAMPLE/20240315/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=58c15d8862c1108321994a067e1b57b947b2c98589fba874ce670ce722faecde"
    static let presignedGet =
        "http://127.0.0.1:9000/tract-media/photos/Zo%C3%AB%27s%20house%201.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTRACTEXAMPLE%2F20240315%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240315T123456Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=fb7e5575dbbc9792a9bee6d1768d3ea74ba242349c9591698e10bb997695ef7b"
    static let presignedGetWithSessionTokenMaxExpiry =
        "https://s3.eu-central-1.amazonaws.com/tract-media/statements/2024%20Q1.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTRACTEXAMPLE%2F20240315%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Date=20240315T123456Z&X-Amz-Expires=604800&X-Amz-SignedHeaders=host&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2F%2Fsession%2Btoken%3D&X-Amz-Signature=176bab871edcd4a36607475c41e3a2ed3badd6271b38943b241fe912e4593930"
    static let awsDocumentedGetObject =
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"

    /// Each vector under the name the script prints it with.
    static let all = [
        "getWithQueryAndUnicodeKey": getWithQueryAndUnicodeKey,
        "putWithPayloadHash": putWithPayloadHash,
        "getWithSessionToken": getWithSessionToken,
        "deleteWithReservedCharactersUnsignedPayload": deleteWithReservedCharactersUnsignedPayload,
        "presignedGet": presignedGet,
        "presignedGetWithSessionTokenMaxExpiry": presignedGetWithSessionTokenMaxExpiry,
        "awsDocumentedGetObject": awsDocumentedGetObject,
    ]
}
