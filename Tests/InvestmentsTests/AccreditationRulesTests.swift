import Foundation
import Models
import Testing

@testable import InvestmentsService

/// The pure rules of accreditation (issue 22), with the figures of the rule and the guidance.
@Suite struct AccreditationRulesTests {
    let settings = AccreditationSettings()

    @Test func aVerifierLetterCountsNinetyDaysFromItsOwnDate() throws {
        let letter = try #require(CalendarDate("2026-09-05"))
        let decided = Date(timeIntervalSince1970: 1_795_521_600)  // 2026-11-24T12:00:00Z
        // Rule 506(c)(2)(ii)(C): "within the prior three months" — through day 89 after the letter.
        let expiry = AccreditationRules.expiry(letterDate: letter, decidedAt: decided, settings: self.settings)
        #expect(RFC3339.string(from: expiry) == "2026-12-04T00:00:00.000000Z")
        // Other methods count from the decision.
        let other = AccreditationRules.expiry(letterDate: nil, decidedAt: decided, settings: self.settings)
        #expect(RFC3339.string(from: other) == "2027-02-22T12:00:00.000000Z")
        var short = self.settings
        short.letterValidDays = 30
        #expect(
            RFC3339.string(from: AccreditationRules.expiry(letterDate: letter, decidedAt: decided, settings: short)) == "2026-10-05T00:00:00.000000Z")
    }

    @Test func aLetterMustBeDatedWithinTheWindowAndNotAhead() throws {
        let today = try #require(CalendarDate("2026-11-24"))
        #expect(AccreditationRules.letterProblem(try #require(CalendarDate("2026-11-24")), today: today, settings: self.settings) == nil)
        #expect(AccreditationRules.letterProblem(try #require(CalendarDate("2026-08-27")), today: today, settings: self.settings) == nil)  // 89 days
        #expect(AccreditationRules.letterProblem(try #require(CalendarDate("2026-08-26")), today: today, settings: self.settings) != nil)  // 90 days
        #expect(
            AccreditationRules.letterProblem(try #require(CalendarDate("2026-11-25")), today: today, settings: self.settings)
                == "must not be in the future")
    }

    @Test func filesAreJudgedByTheirBytes() {
        #expect(AccreditationRules.contentType(of: Array("%PDF-1.7\n".utf8)) == "application/pdf")
        #expect(AccreditationRules.contentType(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == "image/png")
        #expect(AccreditationRules.contentType(of: [0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
        #expect(AccreditationRules.contentType(of: Array("<html>".utf8)) == nil)
        #expect(AccreditationRules.contentType(of: [UInt8]()) == nil)
        #expect(AccreditationRules.fileNameProblem("2025 return.pdf") == nil)
        for bad in ["", "a/b.pdf", "..\\x.pdf", "a\"b.pdf", "a\u{0}b", "line\nbreak.pdf", String(repeating: "x", count: 256)] {
            #expect(AccreditationRules.fileNameProblem(bad) != nil, "\(bad.prefix(20))")
        }
    }

    @Test func verifierAddressesAreSingleRecipients() {
        #expect(AccreditationRules.isEmailAddress("ada@ledger-cpa.example"))
        for bad in ["", "ada", "ada@", "@x.co", "ada@localhost", "a b@x.co", "a@x.co\r\nBcc: b@y.co", "a@x.co,b@y.co", "<a@x.co>", "ä@x.co", "a@.co"]
        {
            #expect(!AccreditationRules.isEmailAddress(bad), "\(bad)")
        }
    }

    /// SEC staff no-action letter (Latham & Watkins LLP, March 12, 2025): $200,000 for a natural
    /// person, $1,000,000 for a legal entity.
    @Test func theMinimumInvestmentPathMinimums() {
        #expect(MinimumInvestmentPath.minimum(for: "natural_person") == Money(cents: 20_000_000))
        #expect(MinimumInvestmentPath.minimum(for: "entity") == Money(cents: 100_000_000))
        let text = MinimumInvestmentPath.representation(kind: "entity", name: "Hopper Holdings LLC")
        #expect(text.contains("the entity I represent is an \"accredited investor\""))
        #expect(text.contains("at least $1,000,000.00"))
    }
}
