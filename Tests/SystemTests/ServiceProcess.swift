import Foundation
import Models
import NIOConcurrencyHelpers

/// One service executable started as a separate process, as `make run` and Kubernetes start it.
final class ServiceProcess: @unchecked Sendable {
    let service: ServiceName
    let port: Int
    let process = Process()
    private let output = Pipe()
    /// What the process printed so far. The pipe is drained as it fills: a pipe nobody reads
    /// holds 64 KiB, after which a chatty process blocks on its next log line (and then cannot
    /// even shut down).
    private let printedSoFar = NIOLockedValueBox((data: Data(), ended: false))

    init(_ service: ServiceName, port: Int, environment: [String: String], arguments: [String] = []) {
        self.service = service
        self.port = port
        self.process.executableURL = Self.binaryDirectory.appendingPathComponent(service.rawValue)
        self.process.arguments = arguments
        self.process.environment = environment
        self.process.standardOutput = self.output
        self.process.standardError = self.output
        let printed = self.printedSoFar
        // `TRACT_SERVICE_LOG_DIR`: every process's output kept in a file as well, to read after a
        // run whose failure the assertion alone does not explain.
        let copy = Self.logFile(service: service, port: port)
        self.output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                try? copy?.close()
            } else {
                copy?.write(chunk)
            }
            printed.withLockedValue { printed in
                if chunk.isEmpty { printed.ended = true } else { printed.data.append(chunk) }
            }
        }
    }

    func start() throws { try self.process.run() }

    private static func logFile(service: ServiceName, port: Int) -> FileHandle? {
        guard let directory = ProcessInfo.processInfo.environment["TRACT_SERVICE_LOG_DIR"] else { return nil }
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(service.rawValue)-\(port).log").path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
        return FileHandle(forWritingAtPath: path)
    }

    /// What the process printed so far; once it has exited, all of it (up to a few seconds are
    /// given for the last lines to arrive through the pipe).
    var printed: String {
        if !self.process.isRunning {
            let deadline = Date().addingTimeInterval(5)
            while !self.printedSoFar.withLockedValue({ $0.ended }), Date() < deadline { usleep(10_000) }
        }
        return String(decoding: self.printedSoFar.withLockedValue { $0.data }, as: UTF8.self)
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
