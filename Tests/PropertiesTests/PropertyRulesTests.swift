import Foundation
import Models
import Testing

@testable import PropertiesService

/// The pure rules behind listings, each without I/O.
@Suite struct PropertyRulesTests {
    @Test func moneyIsExactToTheCentAndStrictAboutItsForm() throws {
        #expect(Money("250000")?.description == "250000.00")
        #expect(Money("0.1")?.cents == 10)
        #expect(Money("9999999999999.99")?.cents == 999_999_999_999_999)
        #expect(Money("-12.05")?.description == "-12.05")
        for bad in ["", "1.234", "1e6", "1,000", "+5", ".5", "5.", "12345678901234", "0x10", " 5"] {
            #expect(Money(bad) == nil, "\(bad)")
        }
        let decoded = try JSONDecoder().decode([Money].self, from: Data(#"["0.30", "1000000.5"]"#.utf8))
        #expect(decoded.map(\.cents) == [30, 100_000_050])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Money].self, from: Data("[0.3]".utf8)) }
        #expect(String(decoding: try JSONEncoder().encode([Money(cents: 5)]), as: UTF8.self) == #"["0.05"]"#)
    }

    @Test func slugsAreLowercaseAsciiWords() {
        #expect(Slug.make(from: "The Elm — 24 Units!") == "the-elm-24-units")
        #expect(Slug.make(from: "Café  Königsallee") == "cafe-konigsallee")
        #expect(Slug.make(from: "!!!") == "property")
        #expect(Slug.make(from: String(repeating: "word ", count: 40)).count <= 80)
    }

    @Test func statusMovesFollowTheLifeOfAProperty() {
        #expect(PropertyStatus.prospect.canMove(to: .active))
        #expect(!PropertyStatus.prospect.canMove(to: .sold))
        #expect(PropertyStatus.renovating.canMove(to: .active))
        #expect(PropertyStatus.selling.canMove(to: .sold))
        #expect(PropertyStatus.selling.canMove(to: .active))
        #expect(PropertyStatus.sold.next.isEmpty)
        #expect(PropertyStatus.sold.canMove(to: .sold))
    }

    @Test func writableColumnsAreTheSnakeCaseKeys() {
        #expect(PropertyFields.columns.contains("address_line1"))
        #expect(PropertyFields.columns.contains("target_cash_on_cash"))
        #expect(PropertyFields.columns.contains("oz_tract_geoid"))
        #expect(!PropertyFields.columns.contains("amount_raised"))
        #expect(Set(PropertyFields.columns).count == PropertyFields.columns.count)
    }

    @Test func completionScoreCountsWhatIsKnown() {
        #expect(DeveloperProfile.completionScore(location: nil, ozStatus: nil, zone: nil) == 0)
        #expect(DeveloperProfile.completionScore(location: "2 Main St", ozStatus: false, zone: "Alabama") == 100)
        #expect(DeveloperProfile.completionScore(location: "", ozStatus: true, zone: "Alabama") == 60)
    }
}
