import Foundation
import Models
import Testing

@testable import InvestmentsService

@Suite struct OZTaxEstimateTests {
    static let valid = OZTaxEstimateRequest(
        gainAmount: usd("1000000"), gainDate: day("2019-06-01"), investmentDate: day("2019-06-30"),
        investmentAmount: usd("1000000"),
        taxRate: dec("0.238"), fundType: .standard
    )

    /// One broken field per row and the error it must produce.
    struct Invalid: Sendable, CustomTestStringConvertible {
        var field: String
        var change: @Sendable (inout OZTaxEstimateRequest) -> Void
        var testDescription: String { self.field }
    }

    static let invalid: [Invalid] = [
        Invalid(field: "gain_amount") { $0.gainAmount = .zero },
        Invalid(field: "gain_amount") { $0.gainAmount = usd("-5") },
        Invalid(field: "investment_amount") { $0.investmentAmount = .zero },
        Invalid(field: "investment_amount") { $0.investmentAmount = Money(cents: Money.maximum.cents + 1) },
        Invalid(field: "tax_rate") { $0.taxRate = dec("1.01") },
        Invalid(field: "tax_rate") { $0.taxRate = dec("-0.1") },
        Invalid(field: "tax_rate") { $0.taxRate = .nan },
        Invalid(field: "gain_date") {
            $0.gainDate = day("2017-12-21")
            $0.investmentDate = day("2017-12-22")
        },
        Invalid(field: "investment_date") { $0.investmentDate = day("2019-05-31") },  // before the sale
        Invalid(field: "investment_date") { $0.investmentDate = day("2019-11-28") },  // day 181
        Invalid(field: "expected_exit_date") { $0.expectedExitDate = day("2019-06-30") },
        Invalid(field: "expected_annual_growth") { $0.expectedAnnualGrowth = dec("1.5") },
        Invalid(field: "expected_annual_growth") { $0.expectedAnnualGrowth = dec("-1.01") },
        Invalid(field: "fund_value_at_inclusion") { $0.fundValueAtInclusion = usd("-1") },
        // 9,999,999,999,999.99 doubling for 10 years does not fit numeric(15,2).
        Invalid(field: "expected_annual_growth") {
            $0.gainAmount = Money.maximum
            $0.investmentAmount = Money.maximum
            $0.expectedExitDate = day("2029-07-01")
            $0.expectedAnnualGrowth = 1
        },
    ]

    @Test(arguments: Self.invalid)
    func refusesNamingTheField(_ row: Invalid) {
        var request = Self.valid
        row.change(&request)
        #expect(request.validate().map(\.field) == [row.field])
        #expect(throws: RuleValidationError.self) { try OZTaxRules.estimate(request) }
    }

    @Test func validRequestHasNoErrors() {
        #expect(Self.valid.validate() == [])
    }

    @Test func listsEveryProblemAtOnce() {
        var request = Self.valid
        request.gainAmount = .zero
        request.taxRate = 2
        request.investmentDate = day("2020-01-01")
        #expect(request.validate().map(\.field) == ["gain_amount", "tax_rate", "investment_date"])
    }

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The suite's coders (snake_case both ways), a request as a client sends it, and the whole
    /// response body.
    @Test func snakeCaseRequestToWholeResponse() throws {
        let body = """
            {"gain_amount": "1000000.00", "gain_date": "2027-01-15", "investment_date": "2027-03-15",
             "investment_amount": "1000000", "tax_rate": 0.238, "fund_type": "rural",
             "expected_exit_date": "2039-03-15", "expected_annual_growth": 0.07}
            """
        let request = try Self.decoder.decode(OZTaxEstimateRequest.self, from: Data(body.utf8))
        #expect(request.taxRate == dec("0.238"))
        #expect(request.expectedAnnualGrowth == dec("0.07"))
        let estimate = try OZTaxRules.estimate(request)
        let json = String(decoding: try Self.encoder.encode(estimate), as: UTF8.self)
        let explanation = try #require(String(data: try JSONEncoder().encode(estimate.explanation), encoding: .utf8))
        let disclaimer = try #require(String(data: try JSONEncoder().encode(OZTaxEstimate.disclaimer), encoding: .utf8))
        #expect(
            json
                == """
                {"basis_step_up_percent":30,"disclaimer":\(disclaimer),"excluded_appreciation":"1252191.59",\
                "explanation":\(explanation),"gain_deferred":"1000000.00","gain_included":"700000.00",\
                "inclusion_date":"2032-03-15","last_investment_date":"2027-07-13","regime":"obbba_2025",\
                "tax_due_at_inclusion":"166600.00"}
                """
        )
    }

    @Test func optionalFieldsMayBeLeftOut() throws {
        let body =
            #"{"gain_amount":"5","gain_date":"2019-06-01","investment_date":"2019-06-01","investment_amount":"5","tax_rate":0,"fund_type":"standard"}"#
        let request = try Self.decoder.decode(OZTaxEstimateRequest.self, from: Data(body.utf8))
        #expect(request.expectedExitDate == nil && request.expectedAnnualGrowth == nil && request.fundValueAtInclusion == nil)
        #expect(try OZTaxRules.estimate(request).taxDueAtInclusion == .zero)
    }

    /// Issue 11 #27: `fund_type` was required; left out it means a standard fund.
    @Test func aMissingFundTypeMeansStandard() throws {
        let body =
            #"{"gain_amount":"100000","gain_date":"2027-01-10","investment_date":"2027-03-01","investment_amount":"100000","tax_rate":0.2}"#
        let request = try Self.decoder.decode(OZTaxEstimateRequest.self, from: Data(body.utf8))
        #expect(request.fundType == .standard)
        #expect(try OZTaxRules.estimate(request).basisStepUpPercent == 10)
    }

    @Test(arguments: [
        (#""fund_type":"opportunity""#, "fundType"),
        (#""fund_type":"standard","gain_amount":1000"#, "gainAmount"),
        (#""fund_type":"standard","gain_date":"2019-6-1""#, "gainDate"),
    ])
    func badValuesFailDecodingAtTheirField(fragment: String, key: String) throws {
        let base: [String: String] = [
            "gain_amount": #""1000""#, "gain_date": #""2019-06-01""#, "investment_date": #""2019-06-01""#,
            "investment_amount": #""1000""#, "tax_rate": "0.2",
        ]
        let overridden = Set(["fund_type", "gain_amount", "gain_date"].filter { fragment.contains("\"\($0)\"") })
        let rest = base.filter { !overridden.contains($0.key) }.map { "\"\($0.key)\":\($0.value)" }
        let body = "{" + (rest + [fragment]).joined(separator: ",") + "}"
        do {
            _ = try Self.decoder.decode(OZTaxEstimateRequest.self, from: Data(body.utf8))
            Issue.record("decoded \(body)")
        } catch let error as DecodingError {
            let path: [any CodingKey]
            switch error {
            case .dataCorrupted(let context), .typeMismatch(_, let context): path = context.codingPath
            default: path = []
            }
            #expect(path.last?.stringValue == key, "\(error)")
        }
    }
}
