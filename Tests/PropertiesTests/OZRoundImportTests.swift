import Foundation
import Logging
import Models
import PostgresNIO
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// `properties import-oz-round` against real Postgres, then `POST /v1/oz/check` with `as_of`
/// against the running service. Fixtures/oz-round-2027-test.csv is a made-up 2027 round (Treasury
/// has not published the real one): 01001020100 (Autauga, not designated in 2018), 01003010200
/// (Baldwin, designated in 2018 too), a New York and a Puerto Rico tract.
@Suite struct OZRoundImportTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/oz-round-2027-test.csv")

    /// Runs `body` with properties serving and the test 2027 round loaded through the import.
    static func withTestRound(clock: ServiceClock = .system, _ body: @escaping @Sendable (PropertiesFixture) async throws -> Void) async throws {
        try await PropertiesFixture.run(clock: clock) { fixture in
            let file = try OZRoundFile(csv: try String(contentsOf: Self.fixture, encoding: .utf8))
            let outcome = try await Self.importRound(file, round: 2027, into: fixture)
            #expect(outcome == .init(inserted: 4, updated: 0, notInFile: 0))
            try await body(fixture)
        }
    }

    static func importRound(_ file: OZRoundFile, round: Int, into fixture: PropertiesFixture) async throws -> OZRoundImport.Outcome {
        try await TestDatabase.withClient(fixture.database.url(for: .properties)) { client in
            try await OZRoundImport(postgres: client).load(file, round: round, logger: Logger(label: "test.oz-round"))
        }
    }

    @Test func aWellFormedFileLoadsTwiceWithoutDuplicates() async throws {
        try await Self.withTestRound { fixture in
            let file = try OZRoundFile(csv: try String(contentsOf: Self.fixture, encoding: .utf8))
            let again = try await Self.importRound(file, round: 2027, into: fixture)
            #expect(again == .init(inserted: 0, updated: 4, notInFile: 0))
            #expect(
                try await fixture.sql(
                    "SELECT tract_geoid || ' ' || state || ' ' || county || ' ' || tract_type FROM properties.oz_tracts WHERE designation_round = 2027 ORDER BY 1"
                ) == [
                    "01001020100 Alabama Autauga Low-Income Community", "01003010200 Alabama Baldwin Low-Income Community",
                    "36061000100 New York 061 Low-Income Community", "72127000100 Puerto Rico San Juan Low-Income Community",
                ])
            // The 2018 round is untouched by a 2027 import.
            #expect(try await fixture.sql("SELECT count(*)::text FROM properties.oz_tracts WHERE designation_round = 2018") == ["8764"])
            // What the command prints: counts per state, then what changed.
            #expect(
                ImportOZRoundCommand.report(file, round: 2027, outcome: again)
                    == """
                    round 2027: 4 tracts in the file, by state:
                      Alabama: 2
                      New York: 1
                      Puerto Rico: 1
                    0 added, 4 already loaded (updated in place)
                    """)

            // A file listing fewer tracts leaves the others in place and says how many.
            let smaller = try OZRoundFile(csv: "geoid,state,county,tract_type\n01001020100,AL,Autauga,Low-Income Community\n")
            #expect(try await Self.importRound(smaller, round: 2027, into: fixture) == .init(inserted: 0, updated: 1, notInFile: 3))
        }
    }

    @Test func aRoundWithoutAWindowIsRefusedAndNothingIsLoaded() async throws {
        try await PropertiesFixture.run { fixture in
            let file = try OZRoundFile(csv: try String(contentsOf: Self.fixture, encoding: .utf8))
            await #expect(throws: OZRoundImport.Failure.unknownRound(2037, known: [2018, 2027])) {
                try await Self.importRound(file, round: 2037, into: fixture)
            }
            #expect(try await fixture.sql("SELECT count(*)::text FROM properties.oz_tracts WHERE designation_round <> 2018") == ["0"])
            #expect(
                OZRoundImport.Failure.unknownRound(2037, known: [2018, 2027]).description
                    == "round 2037 is not a designation round (properties.oz_designation_rounds has 2018, 2027); add its window and legal basis by migration first"
            )
        }
    }

    /// Migration 0011's windows are the law's, as `OZDesignationRound` states them.
    @Test func theMigratedWindowsAreTheStatutoryOnes() async throws {
        try await PropertiesFixture.run { fixture in
            let rows = try await fixture.sql(
                "SELECT round || ' ' || starts_on || ' ' || ends_on FROM properties.oz_designation_rounds ORDER BY round")
            #expect(
                rows == [OZDesignationRound.tcja2018, .obbba2027].map { "\($0.round) \($0.startsOn) \($0.endsOn)" })
            // A tract cannot be listed in a round that does not exist.
            await #expect(throws: (any Error).self) {
                try await fixture.sql(
                    "INSERT INTO properties.oz_tracts (designation_round, tract_geoid, state, county, tract_type) VALUES (2037, '01001020100', 'Alabama', 'Autauga', 'Low-Income Community')"
                )
            }
        }
    }
}
