import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

/// The gateway in front of a `RunningSuite`: the nginx config `make run` renders (`scripts/gateway.sh
/// render local`, from THE route map), listening on a free port, its upstreams pointed at the
/// suite's processes (a service the suite did not start stays unreachable, as when it is down).
enum GatewayProcess {
    static let nginx = FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") ? "/usr/sbin/nginx" : "/usr/bin/nginx"

    /// Runs `body` with the gateway's base URL, then stops nginx.
    static func with(_ suite: RunningSuite, _ body: @Sendable (_ gateway: String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tract-gateway-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // nginx's workers run as nobody when the tests run as root: they must reach the temp paths.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        defer { try? FileManager.default.removeItem(at: folder) }

        let rendered = try await RepositoryScripts.script("gateway.sh", ["render", "local"], environment: ["GATEWAY_DIR": folder.path])
        try #require(rendered.status == 0, "scripts/gateway.sh render local: \(rendered.output)")
        let port = try await freePort()
        var conf = rendered.output.replacingOccurrences(of: "listen 127.0.0.1:8080;", with: "listen 127.0.0.1:\(port);")
        for service in ServiceName.allCases {
            let target = URL(string: suite.urls[service] ?? "http://127.0.0.1:9")?.port ?? 9
            conf = conf.replacingOccurrences(
                of: #"upstream \#(service.rawValue) \{ server 127\.0\.0\.1:[0-9]+;"#,
                with: "upstream \(service.rawValue) { server 127.0.0.1:\(target);", options: .regularExpression)
        }
        try #require(conf.contains("listen 127.0.0.1:\(port);"), "the local render listens on 127.0.0.1:8080")
        let confFile = folder.appendingPathComponent("nginx.conf")
        try conf.write(to: confFile, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.nginx)
        process.arguments = ["-e", folder.appendingPathComponent("error.log").path, "-c", confFile.path, "-g", "daemon off;"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        let gateway = "http://127.0.0.1:\(port)"
        let ready = try await eventually(timeout: .seconds(20), interval: .milliseconds(50)) {
            (try? await SystemClient.send(.GET, "\(gateway)/health/live"))?.status == 200
        }
        let log = (try? String(contentsOf: folder.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
        try #require(ready, "nginx answers: \(log)")
        try await body(gateway)
    }
}
