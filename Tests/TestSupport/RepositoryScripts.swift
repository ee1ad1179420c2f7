import Foundation

/// The repository's own scripts, run as a developer would run them.
public enum RepositoryScripts {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The venv's python (`TRACT_PYTHON`, set by scripts/test.sh), which has the test tools.
    public static var python: String {
        ProcessInfo.processInfo.environment["TRACT_PYTHON"] ?? root.appendingPathComponent(".data/venv/bin/python").path
    }

    /// Runs `executable` with `arguments`, waits, and returns its exit status and combined output.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `scripts/<name>` with `arguments`.
    public static func script(_ name: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> (status: Int32, output: String)
    {
        try await run(root.appendingPathComponent("scripts/\(name)").path, arguments, environment: environment)
    }
}
