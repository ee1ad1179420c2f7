import Foundation
import Testing

@testable import PropertiesService

/// The rules `properties import-oz-round` checks a round's CSV against, alone: what a broken file
/// is told (line and problem), and how a good one is read.
@Suite struct OZRoundFileTests {
    static let header = "geoid,state,county,tract_type\n"

    @Test func theTestRoundFileReads() throws {
        let file = try OZRoundFile(csv: try String(contentsOf: OZRoundImportTests.fixture, encoding: .utf8))
        #expect(file.tracts.map(\.geoid.value) == ["01001020100", "01003010200", "36061000100", "72127000100"])
        // States are stored by name whichever spelling the file used (name, USPS code, FIPS code).
        #expect(file.tracts.map(\.state) == ["Alabama", "Alabama", "New York", "Puerto Rico"])
        #expect(file.tracts.map(\.line) == [2, 3, 4, 5])
        #expect(file.countsByState.map { "\($0.state)=\($0.tracts)" } == ["Alabama=2", "New York=1", "Puerto Rico=1"])
    }

    @Test func excelsByteOrderMarkCRLFAndQuotedCommasAreRead() throws {
        let text = "\u{FEFF}GEOID,State,County,Tract_Type\r\n\"01001020100\",\"Alabama\",\"Autauga, the county\",Low-Income Community\r\n\r\n"
        let file = try OZRoundFile(csv: text)
        #expect(file.tracts.count == 1)
        #expect(file.tracts.first?.county == "Autauga, the county")
    }

    @Test(
        arguments: [
            ("", nil, "the file is empty"),
            ("geoid,state,county\n", 1, "the header must be geoid,state,county,tract_type"),
            (header, nil, "the file lists no tracts"),
            (header + "0100102010,Alabama,Autauga,Low-Income Community\n", 2, "geoid \"0100102010\" is not an 11-digit"),
            (header + "99001020100,Alabama,Autauga,Low-Income Community\n", 2, "is not an 11-digit census tract GEOID"),
            (header + "01001020100,Georgia,Autauga,Low-Income Community\n", 2, "state \"Georgia\" does not match geoid 01001020100"),
            (header + "01001020100,Atlantis,Autauga,Low-Income Community\n", 2, "state \"Atlantis\" is not a state"),
            (header + "01001020100,AL,003,Low-Income Community\n", 2, "county code 003 does not match geoid 01001020100"),
            (header + "01001020100,AL,13001,Low-Income Community\n", 2, "county code 13001 does not match"),
            (header + "01001020100,AL,,Low-Income Community\n", 2, "county must be a name or FIPS code"),
            (header + "01001020100,AL,Autauga,Rural\n", 2, "tract_type \"Rural\" is not one of"),
            (header + "01001020100,AL,Autauga\n", 2, "has 3 fields, not 4"),
            (
                header + "01001020100,AL,Autauga,Low-Income Community\n01001020200,AL,Autauga,Low-Income Community\n"
                    + "01001020100,AL,Autauga,Non-LIC Contiguous\n", 4, "tract 01001020100 is listed twice (first on line 2)"
            ),
            (
                header + "01001020100,AL,Autauga,Low-Income Community\n01001020200,AL,Baldwin,Low-Income Community\n", 3,
                "county \"Baldwin\" for county FIPS 01001, which line 2 calls \"Autauga\""
            ),
            (header + "01001020100,AL,\"Autauga,Low-Income Community\n", 2, "a quoted field is never closed"),
            (header + "01001020100,AL,Aut\"auga,Low-Income Community\n", 2, "a quote inside an unquoted field"),
            (header + "01001020100,AL,Autauga,Low-Income Community\u{0}\n", nil, "NUL"),
        ] as [(String, Int?, String)])
    func aBrokenFileIsRefusedWithItsLineAndProblem(text: String, line: Int?, problem: String) {
        #expect {
            try OZRoundFile(csv: text)
        } throws: { error in
            guard let refused = error as? OZRoundFileError else { return false }
            return refused.line == line && refused.problem.contains(problem)
                && refused.description.hasPrefix(line.map { "line \($0): " } ?? "")
        }
    }
}
