import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct WaterfallTests {
    static let fullCatchUp = WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: 1, carriedInterestRate: dec("0.20"))

    /// Tier by tier: investors then sponsor, for return of capital, preferred return, catch-up, carry.
    static func tiers(_ amounts: [(String, String)]) -> [WaterfallTier] {
        zip(WaterfallTierName.allCases, amounts).map { WaterfallTier(tier: $0, toInvestors: usd($1.0), toSponsor: usd($1.1)) }
    }

    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var capital: String
        var proceeds: String
        var years = "1"
        var terms = WaterfallTests.fullCatchUp
        var tiers: [(String, String)]
        var toInvestors: String
        var toSponsor: String
        var testDescription: String { self.name }
    }

    static let singleDeals: [Scenario] = [
        // 1,450,000: 1,000,000 capital back; 80,000 pref; catch-up until the sponsor has 20% of
        // 100,000 profit paid (20,000); the last 350,000 split 280,000 / 70,000.
        Scenario(
            name: "full catch-up", capital: "1000000", proceeds: "1450000",
            tiers: [("1000000", "0"), ("80000", "0"), ("0", "20000"), ("280000", "70000")], toInvestors: "1360000",
            toSponsor: "90000"
        ),
        // 50% catch-up: tier = 0.2 × 80,000 ÷ (0.5 − 0.2) = 53,333.33; sponsor 26,666.665 → 26,666.67.
        // Left 316,666.67: sponsor 63,333.334 → 63,333.33, investors 253,333.34. Sponsor total 90,000
        // = 20% of 450,000 profit, as it must be once caught up.
        Scenario(
            name: "50% catch-up", capital: "1000000", proceeds: "1450000",
            terms: WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: dec("0.5"), carriedInterestRate: dec("0.20")),
            tiers: [("1000000", "0"), ("80000", "0"), ("26666.66", "26666.67"), ("253333.34", "63333.33")],
            toInvestors: "1360000", toSponsor: "90000"
        ),
        Scenario(
            name: "no catch-up", capital: "1000000", proceeds: "1450000",
            terms: WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: 0, carriedInterestRate: dec("0.20")),
            tiers: [("1000000", "0"), ("80000", "0"), ("0", "0"), ("296000", "74000")], toInvestors: "1376000", toSponsor: "74000"
        ),
        Scenario(
            name: "proceeds stop in the catch-up", capital: "1000000", proceeds: "1090000",
            tiers: [("1000000", "0"), ("80000", "0"), ("0", "10000"), ("0", "0")], toInvestors: "1080000", toSponsor: "10000"
        ),
        Scenario(
            name: "proceeds stop in the pref", capital: "1000000", proceeds: "1050000",
            tiers: [("1000000", "0"), ("50000", "0"), ("0", "0"), ("0", "0")], toInvestors: "1050000", toSponsor: "0"
        ),
        Scenario(
            name: "proceeds below capital", capital: "1000000", proceeds: "600000",
            tiers: [("600000", "0"), ("0", "0"), ("0", "0"), ("0", "0")], toInvestors: "600000", toSponsor: "0"
        ),
        Scenario(
            name: "zero proceeds", capital: "1000000", proceeds: "0",
            tiers: [("0", "0"), ("0", "0"), ("0", "0"), ("0", "0")], toInvestors: "0", toSponsor: "0"
        ),
        // 18 months at 8% simple: 120,000 pref, 30,000 catch-up, 300,000 split 240,000 / 60,000.
        Scenario(
            name: "a year and a half", capital: "1000000", proceeds: "1450000", years: "1.5",
            tiers: [("1000000", "0"), ("120000", "0"), ("0", "30000"), ("240000", "60000")], toInvestors: "1360000",
            toSponsor: "90000"
        ),
        // 0.01 split 80/20: the sponsor's 0.002 rounds to 0, the investors keep the cent.
        Scenario(
            name: "a cent of carry", capital: "0", proceeds: "0.01", years: "0",
            tiers: [("0", "0"), ("0", "0"), ("0", "0"), ("0.01", "0")], toInvestors: "0.01", toSponsor: "0"
        ),
    ]

    @Test(arguments: Self.singleDeals)
    func oneDeal(_ scenario: Scenario) throws {
        let deal = WaterfallDeal(capital: usd(scenario.capital), proceeds: usd(scenario.proceeds), yearsHeld: dec(scenario.years))
        for result in [
            try Waterfall.dealByDeal([deal], terms: scenario.terms), try Waterfall.wholeFund([deal], terms: scenario.terms),
        ] {
            #expect(result.tiers == Self.tiers(scenario.tiers))
            #expect(result.toInvestors == usd(scenario.toInvestors))
            #expect(result.toSponsor == usd(scenario.toSponsor))
            #expect(result.toInvestors + result.toSponsor == deal.proceeds)
        }
    }

    static let twoDeals = [
        WaterfallDeal(capital: usd("1000000"), proceeds: usd("1500000"), yearsHeld: 1),
        WaterfallDeal(capital: usd("1000000"), proceeds: usd("600000"), yearsHeld: 1),
    ]

    /// The winner pays carry on its own: 1,000,000 back, 80,000 pref, 20,000 catch-up, 400,000 split
    /// 320,000 / 80,000; the loser returns 600,000 of capital. Sponsor 100,000.
    @Test func dealByDealPaysCarryOnTheWinner() throws {
        let result = try Waterfall.dealByDeal(Self.twoDeals, terms: Self.fullCatchUp)
        #expect(result.tiers == Self.tiers([("1600000", "0"), ("80000", "0"), ("0", "20000"), ("320000", "80000")]))
        #expect(result.toInvestors == usd("2000000"))
        #expect(result.toSponsor == usd("100000"))
    }

    /// All 2,000,000 comes back first; the 100,000 left covers only part of the 160,000 pref.
    @Test func wholeFundReturnsEverythingFirst() throws {
        let result = try Waterfall.wholeFund(Self.twoDeals, terms: Self.fullCatchUp)
        #expect(result.tiers == Self.tiers([("2000000", "0"), ("100000", "0"), ("0", "0"), ("0", "0")]))
        #expect(result.toInvestors == usd("2100000"))
        #expect(result.toSponsor == .zero)
    }

    @Test func noDealsDistributeNothing() throws {
        #expect(try Waterfall.dealByDeal([], terms: Self.fullCatchUp) == .empty)
        #expect(try Waterfall.wholeFund([], terms: Self.fullCatchUp) == .empty)
    }

    @Test func investorsPlusSponsorIsAlwaysTheProceeds() throws {
        var random = SeededGenerator(state: 80_20)
        for _ in 0..<300 {
            let deals = (0..<Int.random(in: 1...6, using: &random)).map { _ in
                WaterfallDeal(
                    capital: Money(cents: .random(in: 0...500_000_000, using: &random)),
                    proceeds: Money(cents: .random(in: 0...900_000_000, using: &random)),
                    yearsHeld: Decimal(Int.random(in: 0...3650, using: &random)) / 365
                )
            }
            let carry = Decimal(Int.random(in: 0...40, using: &random)) / 100
            let catchUp = Bool.random(using: &random) ? 0 : carry + Decimal(Int.random(in: 1...60, using: &random)) / 100
            let terms = WaterfallTerms(
                preferredReturnRate: Decimal(Int.random(in: 0...15, using: &random)) / 100, catchUpRate: catchUp,
                carriedInterestRate: carry)
            let proceeds = deals.reduce(Money.zero) { $0 + $1.proceeds }
            for result in [try Waterfall.dealByDeal(deals, terms: terms), try Waterfall.wholeFund(deals, terms: terms)] {
                #expect(result.toInvestors + result.toSponsor == proceeds)
                #expect(result.tiers.allSatisfy { $0.toInvestors >= .zero && $0.toSponsor >= .zero })
            }
        }
    }

    @Test(arguments: [
        (
            WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: dec("0.2"), carriedInterestRate: dec("0.2")),
            ["catch_up_rate"]
        ),
        (
            WaterfallTerms(preferredReturnRate: dec("-0.01"), catchUpRate: 1, carriedInterestRate: dec("0.2")),
            ["preferred_return_rate"]
        ),
        (WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: 0, carriedInterestRate: 1), ["carried_interest_rate"]),
        (
            WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: dec("1.1"), carriedInterestRate: dec("0.2")),
            ["catch_up_rate"]
        ),
        (WaterfallTerms(preferredReturnRate: dec("0.08"), catchUpRate: 0, carriedInterestRate: 0), []),
    ])
    func termsValidation(terms: WaterfallTerms, fields: [String]) {
        #expect(terms.validate().map(\.field) == fields)
    }

    @Test func refusesBadDealsNamingThem() {
        let deals = [
            WaterfallDeal(capital: usd("1"), proceeds: usd("1"), yearsHeld: 1),
            WaterfallDeal(capital: usd("-1"), proceeds: usd("-1"), yearsHeld: -1),
        ]
        #expect(
            throws: RuleValidationError(errors: [
                RuleFieldError(field: "deals[1].capital", message: "must be 0 or more"),
                RuleFieldError(field: "deals[1].proceeds", message: "must be 0 or more"),
                RuleFieldError(field: "deals[1].years_held", message: "must be from 0 to 100"),
            ])
        ) { try Waterfall.wholeFund(deals, terms: Self.fullCatchUp) }
    }

    /// The shape stored in `distributions.waterfall`, with the suite's snake_case keys.
    @Test func resultEncodesAsStored() throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        let deal = WaterfallDeal(capital: usd("1000000"), proceeds: usd("1450000"), yearsHeld: 1)
        let json = String(decoding: try encoder.encode(try Waterfall.wholeFund([deal], terms: Self.fullCatchUp)), as: UTF8.self)
        #expect(
            json == #"{"tiers":[{"tier":"return_of_capital","to_investors":"1000000.00","to_sponsor":"0.00"},"#
                + #"{"tier":"preferred_return","to_investors":"80000.00","to_sponsor":"0.00"},"#
                + #"{"tier":"catch_up","to_investors":"0.00","to_sponsor":"20000.00"},"#
                + #"{"tier":"carried_interest","to_investors":"280000.00","to_sponsor":"70000.00"}],"#
                + #""to_investors":"1360000.00","to_sponsor":"90000.00"}"#
        )
    }
}
