import Foundation
import Models

/// The figures Form 8996 (Qualified Opportunity Fund) asks for one taxable year: the fund's
/// certification, QOZ property and total assets on each test date, the percentages and their
/// average (Part III), and the penalty months (Part IV). Pure: built from the fund's setup and the
/// stored test-date values.
struct Form8996: Encodable, Sendable {
    struct TestDateLine: Encodable, Sendable {
        var testDate: CalendarDate
        var months: [String]
        var entered: Bool
        var valuationMethod: QOFValuationMethod?
        var qualifyingAssets: Money?
        var totalAssets: Money?
        var excludedCash: Money?
        var testedTotal: Money?
        var qualifyingPercent: Decimal?
        var meetsNinetyPercent: Bool?
        var shortfall: Money?
    }

    struct PenaltyMonth: Encodable, Sendable {
        var month: String
        var shortfall: Money
        var annualRatePercent: Decimal
        var penalty: Money
    }

    var offeringId: UUID
    var taxableYearStart: CalendarDate
    var taxableYearEnd: CalendarDate
    var entityType: QOFEntityType
    var firstQofMonth: String
    var selfCertifiedOn: CalendarDate
    var testDates: [TestDateLine]
    /// Test dates with no values entered yet: the form cannot be completed without them.
    var missingTestDates: [CalendarDate]
    var averagePercent: Decimal?
    var meetsNinetyPercent: Bool?
    var penaltyMonths: [PenaltyMonth]
    var penaltyTotal: Money?
    var penaltyNote: String
    /// Which text of §1400Z-2 and which rules the figures follow.
    var statute: String

    static let statute =
        "26 U.S.C. §1400Z-2(d)(1), (f) (Pub. L. 115-97 §13823, as amended by Pub. L. 119-21 §70421); "
        + "Treas. Reg. §1.1400Z2(d)-1, §1.1400Z2(f)-1; IRC §6621(a)(2)"

    /// Nil when the fund was not yet a QOF in the year ending in `year`.
    static func build(fund: QOFFund, year: Int, records: [AssetTestRecord], ledger: [DatedAmount]) -> Form8996? {
        let calendar = fund.calendar
        let dates = AssetTest.testDates(calendar, taxYearEndingIn: year)
        guard !dates.isEmpty, let (first, last) = calendar.taxYear(endingIn: year) else { return nil }
        var lines: [TestDateLine] = []
        var results: [AssetTest.Result] = []
        var missing: [CalendarDate] = []
        for date in dates {
            let months = date.months.map(\.description)
            guard let record = records.first(where: { $0.testDate == date.date }),
                let result = try? AssetTest.evaluate(record.input(ledger: ledger.filter { $0.on <= date.date }))
            else {
                missing.append(date.date)
                lines.append(TestDateLine(testDate: date.date, months: months, entered: false))
                continue
            }
            results.append(result)
            lines.append(
                TestDateLine(
                    testDate: date.date, months: months, entered: true, valuationMethod: record.method, qualifyingAssets: record.qualifying,
                    totalAssets: record.total, excludedCash: result.excludedCash, testedTotal: result.testedTotal,
                    qualifyingPercent: result.percent, meetsNinetyPercent: result.meetsNinetyPercent, shortfall: result.shortfall
                )
            )
        }
        var form = Form8996(
            offeringId: fund.offeringId, taxableYearStart: first.firstDay, taxableYearEnd: last.lastDay, entityType: fund.entityType,
            firstQofMonth: fund.firstQofMonth, selfCertifiedOn: fund.selfCertifiedOn, testDates: lines, missingTestDates: missing,
            averagePercent: nil, meetsNinetyPercent: nil, penaltyMonths: [], penaltyTotal: nil, penaltyNote: "", statute: Self.statute
        )
        guard missing.isEmpty else {
            form.penaltyNote = "enter the values for every test date to compute the average and any penalty"
            return form
        }
        form.averagePercent = AssetTest.averagePercent(results)
        form.meetsNinetyPercent = AssetTest.averageMeets(results)
        do {
            let penalty = try NoncompliancePenalty.penalty(dates: dates, results: results)
            form.penaltyMonths = penalty.months.map {
                PenaltyMonth(month: $0.month.description, shortfall: $0.shortfall, annualRatePercent: $0.annualRatePercent, penalty: $0.penalty)
            }
            form.penaltyTotal = penalty.total
            form.penaltyNote = penalty.reason
        } catch {
            form.penaltyNote = "the penalty cannot be priced yet: \(error.description)"
        }
        if fund.entityType == .partnership, let total = form.penaltyTotal, total > .zero {
            form.penaltyNote += "; §1400Z-2(f)(2): a partnership's penalty is borne by its partners through their distributive shares"
        }
        return form
    }

    /// One row per test date, then the year: what a preparer pastes into a worksheet.
    var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"" : text
        }
        var lines = [
            "row,test_date,months,valuation_method,qualifying_assets,total_assets,excluded_cash,tested_total,qualifying_percent,meets_90_percent,shortfall,penalty"
        ]
        for line in self.testDates {
            let penalty = self.penaltyMonths.filter { line.months.contains($0.month) }.reduce(Money.zero) { $0 + $1.penalty }
            lines.append(
                [
                    "test_date", line.testDate.description, line.months.joined(separator: " "), line.valuationMethod?.rawValue ?? "",
                    line.qualifyingAssets?.description ?? "", line.totalAssets?.description ?? "", line.excludedCash?.description ?? "",
                    line.testedTotal?.description ?? "", line.qualifyingPercent.map(ComplianceRatio.text) ?? "",
                    line.meetsNinetyPercent.map { $0 ? "yes" : "no" } ?? "", line.shortfall?.description ?? "",
                    line.entered && self.penaltyTotal != nil ? penalty.description : "",
                ].map(field).joined(separator: ",")
            )
        }
        lines.append(
            [
                "year", self.taxableYearEnd.description, "", "", "", "", "", "", self.averagePercent.map(ComplianceRatio.text) ?? "",
                self.meetsNinetyPercent.map { $0 ? "yes" : "no" } ?? "", "", self.penaltyTotal?.description ?? "",
            ].map(field).joined(separator: ",")
        )
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
