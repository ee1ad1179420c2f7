import Foundation
import Models
import ServiceKit
import TestSupport

/// A Postgres cluster of the test's own, set up as `scripts/db.sh` sets up the local one (initdb
/// with scram passwords, then scripts/sql/bootstrap.sql for the roles, the `tract` database and
/// its schemas) in a temporary folder on a free port, so a test can stop and start Postgres
/// itself without touching the cluster every other suite shares on 55432.
final class PrivateCluster: Sendable {
    static let binaries = "/usr/lib/postgresql/15/bin"
    static let adminPassword = "tract-fault-admin"

    let port: Int
    let folder: URL
    var data: URL { self.folder.appendingPathComponent("data") }

    /// The superuser on the bootstrapped `tract` database.
    var adminURL: DatabaseURL {
        DatabaseURL(host: "127.0.0.1", port: self.port, username: "postgres", password: Self.adminPassword, database: "tract")
    }

    /// A service's own role, as bootstrap.sql makes it (password `<role>_local`).
    func url(for service: ServiceName) -> DatabaseURL {
        DatabaseURL(
            host: "127.0.0.1", port: self.port, username: service.databaseRole, password: "\(service.databaseRole)_local",
            database: "tract")
    }

    private init(port: Int, folder: URL) {
        self.port = port
        self.folder = folder
    }

    /// Initialises, starts and bootstraps a cluster, runs `body`, then stops it and deletes its folder.
    static func with<T: Sendable>(_ body: (PrivateCluster) async throws -> T) async throws -> T {
        let folder = URL(fileURLWithPath: "/tmp/tract-fault-pg-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cluster = PrivateCluster(port: try await freePort(), folder: folder)
        defer {
            _ = try? cluster.runAsPostgres("pg_ctl", ["-D", cluster.data.path, "-m", "immediate", "-w", "-t", "30", "stop"])
            try? FileManager.default.removeItem(at: folder)
        }
        try cluster.initialise()
        try await cluster.start()
        try await cluster.bootstrap()
        return try await body(cluster)
    }

    private func initialise() throws {
        let passwordFile = self.folder.appendingPathComponent("password")
        try "\(Self.adminPassword)\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        // initdb and postgres refuse to run as root: the folder goes to the OS user postgres then.
        if getuid() == 0 { try Self.run("/bin/chown", ["-R", "postgres:", self.folder.path]) }
        try self.runAsPostgres(
            "initdb",
            [
                "-D", self.data.path, "--username=postgres", "--pwfile=\(passwordFile.path)", "--auth-local=peer",
                "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            ])
        // fsync off: the machine does not crash here, only Postgres does, and what it wrote is in the
        // OS's cache. synchronous_commit stays on: off, a commit acknowledged just before the
        // immediate stop is lost, and the test counted an event delivered but never in the inbox.
        let settings = """

            listen_addresses = '127.0.0.1'
            port = \(self.port)
            unix_socket_directories = '\(self.data.path)'
            password_encryption = 'scram-sha-256'
            max_connections = 100
            fsync = off
            """
        let configuration = self.data.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: configuration)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
    }

    /// Starts the server and waits until it takes connections.
    ///
    /// `pg_ctl start` is not waited for: Foundation's `Process` learns of an exit when a socket the
    /// child inherits closes, and the server pg_ctl leaves running inherits it too, so the wait
    /// would last until the server stops. `pg_isready` says when it is up instead.
    func start() async throws {
        let process = Process()
        let path = "\(Self.binaries)/pg_ctl"
        let arguments = ["-D", self.data.path, "-l", self.folder.appendingPathComponent("postgres.log").path, "start"]
        if getuid() == 0 {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", "postgres", "--", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
            (try? Self.run("\(Self.binaries)/pg_isready", ["-q", "-h", "127.0.0.1", "-p", String(self.port)])) != nil
        }
        guard ready else {
            let log = (try? String(contentsOf: self.folder.appendingPathComponent("postgres.log"), encoding: .utf8)) ?? ""
            throw ClusterError(command: "pg_ctl start", output: log)
        }
    }

    /// Stops the server at once, as a crash or an operator's `pg_ctl stop -m immediate` does:
    /// every connection is cut mid-query and the next start recovers from the WAL.
    func stop() throws {
        try self.runAsPostgres("pg_ctl", ["-D", self.data.path, "-m", "immediate", "-w", "-t", "60", "stop"])
    }

    private func bootstrap() async throws {
        let script = RepositoryScripts.root.appendingPathComponent("scripts/sql/bootstrap.sql").path
        let result = try await RepositoryScripts.run(
            "\(Self.binaries)/psql",
            ["-X", "-q", "-h", "127.0.0.1", "-p", String(self.port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-f", script],
            environment: ["PGPASSWORD": Self.adminPassword])
        guard result.status == 0 else { throw ClusterError(command: "bootstrap.sql", output: result.output) }
    }

    @discardableResult
    private func runAsPostgres(_ tool: String, _ arguments: [String]) throws -> String {
        let path = "\(Self.binaries)/\(tool)"
        if getuid() == 0 { return try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) }
        return try Self.run(path, arguments)
    }

    @discardableResult
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // A file, not a pipe: the server pg_ctl starts inherits the descriptor and outlives the
        // command, so reading a pipe to its end would wait for the server to stop.
        let outputFile = URL(fileURLWithPath: "/tmp/tract-fault-command-\(UUID().uuidString.prefix(8)).out")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let output = try FileHandle(forWritingTo: outputFile)
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw ClusterError(command: ([executable] + arguments).joined(separator: " "), output: text)
        }
        return text
    }

    struct ClusterError: Error, CustomStringConvertible {
        var command: String
        var output: String
        var description: String { "\(self.command) failed: \(self.output.suffix(2000))" }
    }
}
