import Foundation
import Models

/// One service executable started as a separate process, as `make run` and Kubernetes start it.
final class ServiceProcess: @unchecked Sendable {
    let service: ServiceName
    let port: Int
    let process = Process()
    private let output = Pipe()

    init(_ service: ServiceName, port: Int, environment: [String: String], arguments: [String] = []) {
        self.service = service
        self.port = port
        self.process.executableURL = Self.binaryDirectory.appendingPathComponent(service.rawValue)
        self.process.arguments = arguments
        self.process.environment = environment
        self.process.standardOutput = self.output
        self.process.standardError = self.output
    }

    func start() throws { try self.process.run() }

    /// What the process printed, once it has exited.
    var printed: String {
        String(decoding: self.output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    /// SIGTERM, then wait up to `timeout` for a graceful exit; returns the exit status (nil if hung).
    func terminate(timeout: Duration = .seconds(15)) async -> Int32? {
        guard self.process.isRunning else { return self.process.terminationStatus }
        self.process.terminate()
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
            return nil
        }
        return self.process.terminationStatus
    }

    /// Where SwiftPM put the executables: `TRACT_BIN_DIR`, else beside the test bundle.
    static var binaryDirectory: URL {
        if let directory = ProcessInfo.processInfo.environment["TRACT_BIN_DIR"] {
            return URL(fileURLWithPath: directory)
        }
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while candidate.path != "/" {
            candidate.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("auth").path) {
                return candidate
            }
        }
        // `swift test` from the repository root, debug configuration.
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }
}
