import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

/// Issue 18: schemathesis (an independent, property-based API tester from PyPI) against every
/// service's OpenAPI document, on the real processes, signed in as an admin and anonymous. Bounded
/// to fit CI (a fixed seed, a few examples per operation). Every answer must be no 5xx, a status
/// the document lists, the content type it lists, a body its schema allows, and 401 without a
/// token where one is required; and every request the document rules out (a wrong type, a value
/// outside an enum, `?to=` sent empty) must be refused with a 4xx (`negative_data_rejection`).
/// Left out, and why: `positive_data_acceptance` (a schema cannot say "exactly one of three
/// fields" or "a date after another", so a schema-valid body the rules refuse is right to be
/// refused); the stateful phase (its links need ids from earlier calls; the journey tests cover
/// those flows); `POST /v1/oz/check`, whose address lookup asks the US Census Geocoder, which no
/// test can reach (its 503 is the right answer; the OZ check tests cover the route).
@Suite(.serialized) struct SchemathesisTests {
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance", "ignored_auth",
        "negative_data_rejection",
    ]

    /// The schemathesis beside `TRACT_PYTHON` (scripts/requirements-validate.txt installs it).
    static var executable: URL? {
        let python =
            ProcessInfo.processInfo.environment["TRACT_PYTHON"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".data/venv/bin/python").path
        let candidate = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("schemathesis")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    /// Anonymous runs stay anonymous: schemathesis would otherwise find auth's sign-up and sign
    /// itself in.
    static let configFile: URL = {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tract-schemathesis-\(UUID().uuidString).toml")
        try? Data("[auth]\nauto-signup = false\n".utf8).write(to: file)
        return file
    }()

    /// What a run found, without the warnings: from its first failure or error to the summary.
    static func findings(_ output: String) -> String {
        let start = output.range(of: "=== FAILURES ===") ?? output.range(of: "=== ERRORS ===")
        guard let start else { return String(output.suffix(1_500)) }
        return String(output[start.lowerBound...].prefix(12_000))
    }

    /// Seconds per run and examples per operation: small for CI; a developer looking for more
    /// sets `TRACT_SCHEMATHESIS_SECONDS` (e.g. 480), `TRACT_SCHEMATHESIS_EXAMPLES` (e.g. 10) and
    /// another `TRACT_SCHEMATHESIS_SEED`.
    static let seed = ProcessInfo.processInfo.environment["TRACT_SCHEMATHESIS_SEED"] ?? "20261206"
    static let seconds = ProcessInfo.processInfo.environment["TRACT_SCHEMATHESIS_SECONDS"] ?? "60"
    static let examples = ProcessInfo.processInfo.environment["TRACT_SCHEMATHESIS_EXAMPLES"] ?? "5"

    static func run(_ base: String, token: String?, label: String) throws -> (status: Int32, output: String) {
        guard let executable = Self.executable else { return (-1, "schemathesis is not installed next to TRACT_PYTHON") }
        let process = Process()
        process.executableURL = executable
        var arguments = [
            "--config-file", Self.configFile.path, "--no-color", "run", "\(base)/openapi.json", "--url", base, "--checks",
            Self.checks.joined(separator: ","),
            "--phases", "examples,coverage,fuzzing", "--max-examples", Self.examples, "--seed", Self.seed, "--workers", "1",
            "--request-timeout", "30", "--max-time", Self.seconds, "--exclude-path-regex", "^/(internal|metrics|openapi)|^/v1/oz/check$",
            "--suppress-health-check", "all", "--generation-database", "none",
        ]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        print("schemathesis \(label): exit \(process.terminationStatus)\n\(Self.findings(text))")
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: Self.executable != nil)) func everyServiceHoldsToItsDocumentUnderGeneratedInput() async throws {
        let services: [ServiceName] = [.auth, .properties, .investments, .communications, .analytics]
        // One replica of each: the fuzzing judges each route's answers, which replicas do not change,
        // and fifteen processes would cost CI more than this run's minute per service.
        try await RunningSuite.with(services, replicas: 1) { suite in
            let tag = UUID().uuidString.prefix(6).lowercased()
            let account = try await InvestorMailJourneyTests.verifiedAccount(suite, email: "fuzz.\(tag)@example.com", firstName: "Fuzz")
            try await suite.sql("UPDATE auth.users SET account_role = 'admin' WHERE email = 'fuzz.\(tag)@example.com'")
            // The services run side by side (each run is bounded by --max-time), off the
            // cooperative pool: waiting on a child process blocks its thread.
            var tokens: [ServiceName: String] = [:]
            for service in services {
                // Signed in afresh for each service, just before its run.
                tokens[service] = try #require(try await SystemClient.signIn(suite, account.email, account.password).string("access_token"))
            }
            let failed = try await withThrowingTaskGroup(of: [String].self) { group in
                for service in services {
                    let base = suite.urls[service]!
                    let token = tokens[service]!
                    group.addTask {
                        try await withCheckedThrowingContinuation { continuation in
                            DispatchQueue.global().async {
                                do {
                                    var found: [String] = []
                                    for (label, token) in [
                                        ("\(service.rawValue), signed in", token as String?), ("\(service.rawValue), anonymous", nil),
                                    ] {
                                        let (status, output) = try Self.run(base, token: token, label: label)
                                        // Exit 1 is findings; another non-zero exit with no findings is the
                                        // tool failing on its own (reported, not counted) unless the document did not load.
                                        if output.contains("\nFailures:\n") || output.contains("Failed to load specification") {
                                            found.append("\(label): exit \(status)\n\(Self.findings(output))")
                                        }
                                    }
                                    continuation.resume(returning: found)
                                } catch {
                                    continuation.resume(throwing: error)
                                }
                            }
                        }
                    }
                }
                var all: [String] = []
                for try await found in group { all += found }
                return all
            }
            #expect(failed.isEmpty, "\(failed.joined(separator: "\n\n"))")
        }
    }
}
