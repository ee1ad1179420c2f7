import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import S3

/// The real S3 that the S3 client's tests and properties' S3 media tests talk to: moto's standalone
/// server (`python -m moto.server`, from `moto[server]` in scripts/requirements-validate.txt) on a
/// free loopback port, one per test, so tests share no buckets or counters. Tests that need it
/// carry `.enabled(if: MotoServer.isConfigured)`: they are skipped only when `TRACT_PYTHON` is unset
/// (scripts/test.sh and CI set it); with it set, a python without moto fails them
/// (`MotoServerError.didNotStart`).
///
/// moto serves IAM on the same port. With `enforcingAuthenticationAfter: n` it accepts the first
/// `n` actions from anyone and then checks every request's SigV4 signature against the IAM access
/// keys it holds, answering `SignatureDoesNotMatch` or `InvalidAccessKeyId` as S3 does; `createUser`
/// spends exactly those first actions making a user and its key.
public final class MotoServer: Sendable {
    /// The number of IAM actions `createUser` spends while moto still lets anyone in.
    public static let actionsToCreateUser = 3

    /// Whether `TRACT_PYTHON` names the python with moto and botocore. Only its absence skips the
    /// tests that need them; a python that lacks them is a failure, not a skip.
    public static var isConfigured: Bool { ProcessInfo.processInfo.environment["TRACT_PYTHON"] != nil }

    public let endpoint: URL
    private let process: Process
    private let log: URL

    /// Starts moto with the python from `TRACT_PYTHON`, falling back to the repository's venv.
    /// - Parameter actions: nil leaves authentication off for the server's whole life.
    public init(enforcingAuthenticationAfter actions: Int? = nil) throws {
        let python = RepositoryScripts.python
        log = FileManager.default.temporaryDirectory.appendingPathComponent("tract-moto-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw MotoServerError.didNotStart(python: python, output: "could not create \(log.path)")
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        // Port 0: the kernel picks a free port and werkzeug prints it ("Running on http://…:PORT").
        process.arguments = ["-m", "moto.server", "--host", "127.0.0.1", "--port", "0"]
        var environment = ProcessInfo.processInfo.environment
        if let actions { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = String(actions) }
        process.environment = environment
        // A file rather than a pipe: moto logs every request, and an undrained pipe would stall it.
        let output = try FileHandle(forWritingTo: log)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process

        let deadline = Date().addingTimeInterval(30)
        var text = ""
        while Date() < deadline, process.isRunning {
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression),
                let port = Int(text[range].split(separator: ":").last ?? ""),
                let endpoint = URL(string: "http://127.0.0.1:\(port)")
            {
                self.endpoint = endpoint
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // What it said before it died (a python without moto exits before the loop reads the log).
        text = (try? String(contentsOf: log, encoding: .utf8)) ?? text
        throw MotoServerError.didNotStart(python: python, output: text)
    }

    deinit {
        // SIGKILL, not terminate(): a child spawned from a test thread inherits that thread's blocked
        // signals, SIGTERM among them, and would outlive the test.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }

    /// Creates an IAM user allowed `s3:*`, and an access key for it, through moto's IAM Query API.
    /// Spends `actionsToCreateUser` actions, so it must come first on a server started with
    /// `enforcingAuthenticationAfter: MotoServer.actionsToCreateUser`.
    public func createUser(named name: String) async throws -> SigV4Credentials {
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        _ = try await iam(["Action": "CreateUser", "UserName": name])
        _ = try await iam([
            "Action": "PutUserPolicy", "UserName": name, "PolicyName": "s3-all", "PolicyDocument": policy,
        ])
        let created = try await iam(["Action": "CreateAccessKey", "UserName": name])
        guard let id = Self.text(of: "AccessKeyId", in: created),
            let secret = Self.text(of: "SecretAccessKey", in: created)
        else { throw MotoServerError.unexpectedIAMResponse(created) }
        return SigV4Credentials(accessKeyID: id, secretAccessKey: secret)
    }

    /// One IAM Query API call. Signed, with throwaway credentials, only because moto picks the
    /// service from the credential scope; it does not check them during the first actions.
    private func iam(_ parameters: [String: String]) async throws -> String {
        let body = (parameters.merging(["Version": "2010-05-08"]) { given, _ in given })
            .sorted { $0.key < $1.key }
            .map { "\(SigV4Signer.encode($0.key))=\(SigV4Signer.encode($0.value))" }
            .joined(separator: "&")
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        let signer = SigV4Signer(
            credentials: SigV4Credentials(accessKeyID: "bootstrap", secretAccessKey: "bootstrap"),
            region: "us-east-1", service: "iam"
        )
        let url = endpoint.appendingPathComponent("/")
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        let signature = try signer.signatureHeaders(
            method: "POST", url: url, headers: [("Content-Type", contentType)],
            payloadHash: SigV4Signer.payloadHash(of: Data(body.utf8)), date: Date()
        )
        for header in signature { request.headers.add(name: header.name, value: header.value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else { throw MotoServerError.unexpectedIAMResponse(text) }
        return text
    }

    /// Stops checking signatures from now on. moto cannot check a presigned URL (it reads the
    /// Authorization header unconditionally and answers 500 without one), so a test that fetches
    /// one from moto turns the check off first and proves the signature with `Botocore` instead.
    public func stopEnforcingAuthentication() async throws {
        var request = HTTPClientRequest(url: endpoint.appendingPathComponent("moto-api/reset-auth").absoluteString)
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: "inf"))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .ok else { throw MotoServerError.unexpectedIAMResponse(text) }
    }

    static func text(of element: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(element)>"),
            let end = xml.range(of: "</\(element)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}

/// botocore, AWS's own SigV4 implementation (installed with moto), as the judge of signatures that
/// moto does not check.
public enum Botocore {
    /// Whether botocore, given the URL's own date, expiry and credential scope, computes the
    /// signature the URL carries: what S3 checks before serving a presigned GET. A changed path,
    /// expiry or date gives a different signature, so a tampered URL is refused here as by S3.
    public static func acceptsPresignedGet(_ url: URL, credentials: SigV4Credentials, region: String) async throws -> Bool {
        let script = """
            import datetime, sys, urllib.parse
            import botocore.auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            url, key, secret, region = sys.argv[1:5]
            parts = urllib.parse.urlsplit(url)
            query = dict(urllib.parse.parse_qsl(parts.query))
            when = datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
            botocore.auth.get_current_datetime = lambda: when
            request = AWSRequest(method="GET", url=urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
            auth = botocore.auth.S3SigV4QueryAuth(Credentials(key, secret), "s3", region, expires=int(query["X-Amz-Expires"]))
            auth.add_auth(request)
            expected = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))["X-Amz-Signature"]
            print("accepted" if expected == query.get("X-Amz-Signature") else "refused")
            """
        let (status, output) = try await RepositoryScripts.run(
            RepositoryScripts.python, ["-c", script, url.absoluteString, credentials.accessKeyID, credentials.secretAccessKey, region]
        )
        guard status == 0 else { throw MotoServerError.botocoreFailed(output) }
        return output.trimmingCharacters(in: .whitespacesAndNewlines) == "accepted"
    }
}

public enum MotoServerError: Error, CustomStringConvertible {
    case didNotStart(python: String, output: String)
    case unexpectedIAMResponse(String)
    case botocoreFailed(String)

    public var description: String {
        switch self {
        case .didNotStart(let python, let output):
            "moto did not start with \(python) (is moto[server] installed? set TRACT_PYTHON): \(output)"
        case .unexpectedIAMResponse(let body): "unexpected response from moto: \(body)"
        case .botocoreFailed(let output): "botocore could not check the URL: \(output)"
        }
    }
}
