import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1
import S3
import ServiceKit
import TestSupport
import Testing

/// The five executables started as separate processes against the local Postgres, as `make run`
/// starts them: each migrates, becomes ready, serves its probes, metrics and OpenAPI document, and
/// stops cleanly on SIGTERM.
@Suite(.serialized) struct SuiteBootTests {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    func get(_ url: String, headers: [(String, String)] = []) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 4 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    @Test func theFiveServicesBootAsProcessesAndStopGracefully() async throws {
        try await TestDatabase.with { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                var ports: [ServiceName: Int] = [:]
                for service in ServiceName.allCases { ports[service] = try await freePort() }
                var processes: [ServiceProcess] = []
                for service in ServiceName.allCases {
                    var environment = [
                        "PORT": String(ports[service]!),
                        "DATABASE_URL": Self.urlString(database.url(for: service)),
                        "AUTH_JWKS_URL": jwksURL.absoluteString,
                        "LOG_LEVEL": "info",
                        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                        "SIGNING_KEY_ENCRYPTION_KEY": Data(repeating: 9, count: 32).base64EncodedString(),
                        // Under the whole suite's load a first JWKS fetch can take more than the 5 s default.
                        "PEER_TIMEOUT_MS": "30000", "READINESS_TIMEOUT_MS": "30000",
                    ]
                    for peer in ServiceName.allCases {
                        environment["\(peer.rawValue.uppercased())_URL"] = "http://127.0.0.1:\(ports[peer]!)"
                    }
                    let process = ServiceProcess(service, port: ports[service]!, environment: environment)
                    try process.start()
                    processes.append(process)
                }
                defer { for process in processes where process.process.isRunning { process.process.terminate() } }

                for process in processes {
                    let base = "http://127.0.0.1:\(process.port)"
                    let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                        (try? await self.get("\(base)/health/ready"))?.status == 200
                    }
                    #expect(ready, "\(process.service) became ready")
                    let live = try await self.get("\(base)/health/live", headers: [("X-Request-Id", "system-\(process.service)")])
                    #expect(live.status == 200)
                    #expect(live.headers.first(name: "X-Request-Id") == "system-\(process.service)")
                    let metrics = try await self.get("\(base)/metrics")
                    #expect(metrics.status == 200)
                    #expect(metrics.body.contains("hb_requests"))
                    let document = try await self.get("\(base)/openapi.json")
                    #expect(document.status == 200)
                    #expect(document.body.contains(#""title":"Tract \#(process.service.rawValue) service""#))
                    // A token from the issuer is accepted, a tampered one is refused, by every service.
                    let token = try await issuer.token()
                    let missing = try await self.get("\(base)/v1/nothing-here", headers: [("Authorization", "Bearer \(token)")])
                    #expect(missing.status == 404)
                    let tampered = try await self.get("\(base)/v1/nothing-here", headers: [("Authorization", "Bearer \(token)x")])
                    #expect(tampered.status == 401)
                    // Paths carry secrets (document shares, one-time links): logs must not keep them.
                    let share = try await self.get("\(base)/v1/media/shares/0190c1a0-0000-7000-8000-000000000001.path-secret-4f9c")
                    #expect(share.status == 404)
                }

                for process in processes {
                    let status = await process.terminate()
                    #expect(status == 0, "\(process.service) exits 0 on SIGTERM")
                    let logs = process.printed
                    // JSON logs carrying the request id the test sent.
                    #expect(logs.contains(#""request_id":"system-\#(process.service.rawValue)""#))
                    #expect(logs.contains(#""service":"\#(process.service.rawValue)""#))
                    // Issue 11, item 5: the access log names the route, never the path with its secret.
                    #expect(!logs.contains("path-secret-4f9c"), "\(process.service) logged a path secret")
                    #expect(logs.contains(#""route":"#))
                }
            }
        }
    }

    @Test func aBadSettingStopsStartUpWithOneLineNamingIt() async throws {
        let process = ServiceProcess(.analytics, port: 0, environment: ["DATABASE_URL": "mysql://nope"])
        try process.start()
        process.process.waitUntilExit()
        #expect(process.process.terminationStatus != 0)
        #expect(process.printed.contains("DATABASE_URL must use the postgres:// scheme"))
    }

    @Test func everyExecutableHasHelp() async throws {
        for service in ServiceName.allCases {
            let process = ServiceProcess(service, port: 0, environment: [:], arguments: ["--help"])
            try process.start()
            process.process.waitUntilExit()
            #expect(process.process.terminationStatus == 0)
            let help = process.printed
            #expect(help.contains("migrate"))
            #expect(help.contains("DATABASE_URL"))
            for variable in try Self.readmeSettings(of: service) {
                #expect(help.contains(variable), "\(service) --help lacks \(variable), which the README lists")
            }
        }
    }

    @Test func anIncompleteS3SettingStopsPropertiesNamingIt() async throws {
        let process = ServiceProcess(.properties, port: 0, environment: ["MEDIA_STORAGE": "s3", "S3_ENDPOINT": "http://127.0.0.1:9"])
        try process.start()
        process.process.waitUntilExit()
        #expect(process.process.terminationStatus != 0)
        #expect(process.printed.contains("S3_BUCKET is required with MEDIA_STORAGE=s3"))
    }

    /// `MEDIA_STORAGE=s3` as an operator sets it, against moto checking signatures: a wrong secret
    /// stops start-up saying what to fix; the right key makes the bucket and the service gets ready.
    @Test(.enabled(if: MotoServer.isConfigured, "needs moto: set TRACT_PYTHON"))
    func propertiesMakesItsS3BucketAtStartUp() async throws {
        let moto = try MotoServer(enforcingAuthenticationAfter: MotoServer.actionsToCreateUser)
        let credentials = try await moto.createUser(named: "tract-properties")
        try await TestDatabase.with(services: [.properties]) { database in
            let issuer = try TestIssuer()
            try await issuer.serve { jwksURL in
                let port = try await freePort()
                var environment = [
                    "PORT": String(port),
                    "DATABASE_URL": Self.urlString(database.url(for: .properties)),
                    "AUTH_JWKS_URL": jwksURL.absoluteString,
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    "MEDIA_STORAGE": "s3",
                    "S3_ENDPOINT": moto.endpoint.absoluteString,
                    "S3_REGION": "eu-west-2",
                    "S3_BUCKET": "tract-media",
                    "S3_ACCESS_KEY_ID": credentials.accessKeyID,
                    "S3_SECRET_ACCESS_KEY": "not-the-secret",
                ]
                let refused = ServiceProcess(.properties, port: port, environment: environment)
                try refused.start()
                let deadline = ContinuousClock.now + .seconds(60)
                while refused.process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(await refused.terminate() != 0, "a wrong secret stops start-up")
                let said = refused.printed
                #expect(said.contains("SignatureDoesNotMatch") && said.contains("S3_SECRET_ACCESS_KEY"), "\(said)")

                environment["S3_SECRET_ACCESS_KEY"] = credentials.secretAccessKey
                let process = ServiceProcess(.properties, port: port, environment: environment)
                try process.start()
                defer { if process.process.isRunning { process.process.terminate() } }
                let ready = try await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                    (try? await self.get("http://127.0.0.1:\(port)/health/ready"))?.status == 200
                }
                #expect(ready)
                let s3 = S3Client(configuration: S3Configuration(endpoint: moto.endpoint, region: "eu-west-2", credentials: credentials))
                #expect(try await s3.createBucket("tract-media") == false, "the service made the bucket")
                #expect(await process.terminate() == 0)
            }
        }
    }

    /// The variables in the README's "`<service>` only:" table.
    static func readmeSettings(of service: ServiceName) throws -> [String] {
        let readme = try String(contentsOf: RepositoryScripts.root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let heading = readme.range(of: "`\(service.rawValue)` only:\n") else { return [] }
        var variables: [String] = []
        for line in readme[heading.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropFirst() {
            guard line.hasPrefix("|") else { break }
            let first = line.split(separator: "|").first ?? ""  // the variable column
            variables += first.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }
            .filter { $0.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" } && !$0.isEmpty }
        }
        return variables
    }

    static func urlString(_ url: DatabaseURL) -> String {
        "postgres://\(url.username):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
    }
}
