import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import S3

/// The real S3 the client tests talk to: moto's standalone server (`python -m moto.server`, from
/// `moto[server]`) on a free loopback port, one per test, so tests share no buckets or counters.
///
/// moto serves IAM on the same port. With `enforcingAuthenticationAfter: n` it accepts the first
/// `n` actions from anyone and then checks every request's SigV4 signature against the IAM access
/// keys it holds, answering `SignatureDoesNotMatch` or `InvalidAccessKeyId` as S3 does; `createUser`
/// spends exactly those first actions making a user and its key.
final class MotoServer: Sendable {
    /// The number of IAM actions `createUser` spends while moto still lets anyone in.
    static let actionsToCreateUser = 3

    let endpoint: URL
    private let process: Process
    private let log: URL

    /// Starts moto with the python from `TRACT_PYTHON`, falling back to the repository's venv.
    /// - Parameter actions: nil leaves authentication off for the server's whole life.
    init(enforcingAuthenticationAfter actions: Int? = nil) throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let python = ProcessInfo.processInfo.environment["TRACT_PYTHON"]
            ?? repository.appendingPathComponent(".data/venv/bin/python").path
        log = FileManager.default.temporaryDirectory.appendingPathComponent("tract-moto-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)

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
    func createUser(named name: String) async throws -> SigV4Credentials {
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

    static func text(of element: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(element)>"),
            let end = xml.range(of: "</\(element)>", range: start.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }
}

enum MotoServerError: Error, CustomStringConvertible {
    case didNotStart(python: String, output: String)
    case unexpectedIAMResponse(String)

    var description: String {
        switch self {
        case .didNotStart(let python, let output):
            "moto did not start with \(python) (is moto[server] installed? set TRACT_PYTHON): \(output)"
        case .unexpectedIAMResponse(let body): "unexpected IAM response from moto: \(body)"
        }
    }
}
