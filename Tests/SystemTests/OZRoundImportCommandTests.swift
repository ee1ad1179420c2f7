import Foundation
import Models
import PostgresNIO
import TestSupport
import Testing

/// `properties import-oz-round` as an operator runs it, the built executable against a real
/// database: a malformed file is refused naming its line and loads nothing; a well-formed one
/// loads, and loads again without duplicates.
@Suite struct OZRoundImportCommandTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../PropertiesTests/Fixtures/oz-round-2027-test.csv").standardizedFileURL

    @Test func theCommandRefusesABrokenFileAndLoadsAGoodOneOnce() async throws {
        try await TestDatabase.with(services: [.properties]) { database in
            let environment = [
                "DATABASE_URL": SuiteBootTests.urlString(database.url(for: .properties)), "LOG_LEVEL": "error",
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            ]
            func run(_ arguments: [String]) throws -> (status: Int32, printed: String) {
                let process = ServiceProcess(.properties, port: 0, environment: environment, arguments: arguments)
                try process.start()
                process.process.waitUntilExit()
                return (process.process.terminationStatus, process.printed)
            }
            #expect(try run(["migrate"]).status == 0)
            func round2027() async throws -> String {
                try await TestDatabase.withAdmin(database: database.name) { admin in
                    var count = ""
                    for try await value in try await admin.query(
                        "SELECT count(*)::text FROM properties.oz_tracts WHERE designation_round = 2027"
                    ).decode(String.self) { count = value }
                    return count
                }
            }

            // Line 3's GEOID is not in the state it names: nothing is loaded.
            let broken = FileManager.default.temporaryDirectory.appendingPathComponent("oz-broken-\(UUID()).csv")
            try "geoid,state,county,tract_type\n01001020100,AL,Autauga,Low-Income Community\n01003010200,NY,Baldwin,Low-Income Community\n"
                .write(to: broken, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: broken) }
            let refused = try run(["import-oz-round", "--round", "2027", "--file", broken.path])
            #expect(refused.status != 0)
            #expect(refused.printed.contains("line 3"), "\(refused.printed)")
            #expect(try await round2027() == "0")
            #expect(try run(["import-oz-round", "--round", "2027", "--file", "/nonexistent.csv"]).status != 0)

            let loaded = try run(["import-oz-round", "--round", "2027", "--file", Self.fixture.path])
            #expect(loaded.status == 0, "\(loaded.printed)")
            #expect(loaded.printed.contains("4 added"), "\(loaded.printed)")
            let again = try run(["import-oz-round", "--round", "2027", "--file", Self.fixture.path])
            #expect(again.status == 0)
            #expect(again.printed.contains("0 added"), "\(again.printed)")
            #expect(try await round2027() == "4")
        }
    }
}
