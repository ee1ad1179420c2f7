import Foundation

/// The real SMTP server tests talk to: scripts/mail-sink.py (aiosmtpd) on a free loopback port,
/// keeping each message with the envelope and Python's own decoding of it, so a test checks what
/// an independent mail parser read rather than what our encoder meant to write.
public final class MailSink: Sendable {
    /// What the sink received, as Python's `email` package decoded it.
    public struct ReceivedMail: Decodable, Sendable {
        public let mailFrom: String
        public let rcptTos: [String]
        public let tls: Bool
        public let authenticatedAs: String?
        /// The client's address and port: the connection the message came on.
        public let peer: String?
        public let from: String
        public let to: String
        public let subject: String
        public let messageId: String
        public let date: String
        public let text: String?
        public let html: String?
        public let headers: [String: String]
    }

    public let port: Int
    public let folder: URL
    private let process: Process
    private let stdin = Pipe()

    /// Starts a sink. `options` are mail-sink.py flags (`--require-starttls`, `--auth u:p`, …);
    /// `--tls-cert`/`--tls-key` are added when `tls` is given.
    public init(options: [String] = [], tls: TestCertificate? = nil) throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let python =
            ProcessInfo.processInfo.environment["TRACT_PYTHON"]
            ?? repository.appendingPathComponent(".data/venv/bin/python").path
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tract-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        var arguments = [
            repository.appendingPathComponent("scripts/mail-sink.py").path, "--port", "0", "--folder", folder.path,
            "--exit-with-stdin",
        ]
        if let tls { arguments += ["--tls-cert", tls.certificatePath, "--tls-key", tls.keyPath] }
        process.arguments = arguments + options
        let output = Pipe()
        process.standardOutput = output
        // Held open for the sink's lifetime; when this process ends, the sink sees EOF and exits.
        process.standardInput = stdin
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process

        // The first line names the port: "listening on 127.0.0.1:<port>, saving to …".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let port = Int(text[range].split(separator: ":").last ?? "")
        else {
            process.terminate()
            throw MailSinkError.didNotStart(text)
        }
        self.port = port
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Every message received so far, oldest first.
    public func messages() throws -> [ReceivedMail] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".eml") }.sorted()
        return try names.map { name in
            let sidecar = folder.appendingPathComponent(String(name.dropLast(4)) + ".json")
            return try decoder.decode(ReceivedMail.self, from: Data(contentsOf: sidecar))
        }
    }

    /// The raw bytes of every message received, oldest first.
    public func rawMessages() throws -> [Data] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".eml") }.sorted()
            .map { try Data(contentsOf: folder.appendingPathComponent($0)) }
    }

    /// Waits for the first message to `recipient` (whose subject starts with `subjectPrefix`, if given).
    public func waitForMessage(
        to recipient: String, subjectPrefix: String? = nil, timeout: Duration = .seconds(10)
    ) async throws -> ReceivedMail {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = try messages().first { mail in
                mail.rcptTos.contains(recipient) && (subjectPrefix.map { mail.subject.hasPrefix($0) } ?? true)
            }
            if let mail = found { return mail }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MailSinkError.noMessage(recipient)
    }
}

public enum MailSinkError: Error {
    case didNotStart(String)
    case noMessage(String)
    case certificate(String)
}

/// A throwaway self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI.
public struct TestCertificate: Sendable {
    public let certificatePath: String
    public let keyPath: String

    public init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tract-cert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        certificatePath = folder.appendingPathComponent("cert.pem").path
        keyPath = folder.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", keyPath, "-out", certificatePath, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw MailSinkError.certificate("openssl exited \(process.terminationStatus)") }
    }
}
