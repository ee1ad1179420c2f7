import Foundation
import Models
import Testing

@testable import InvestmentsService

/// A statement's figures from a ledger: only what is dated by the period's end counts, and the
/// summary's parts add up.
@Suite struct StatementContentTests {
    static let elm = UUID()
    static let oak = UUID()
    static let positions = [
        StatementPosition(
            investmentId: elm, propertyName: "Elm Residences", city: "Prattville", state: "AL", shareClass: "A", amount: Money("100000")!),
        StatementPosition(investmentId: oak, propertyName: "Oak Lofts", city: "Mobile", state: "AL", shareClass: "A", amount: Money("50000")!),
    ]

    static func line(_ date: String, _ type: Ledger.Entry, _ amount: String, _ investment: UUID, status: String = "completed") -> StatementLedgerLine
    {
        StatementLedgerLine(
            date: CalendarDate(date)!, type: type.rawValue, status: status, amount: Money(amount)!, investmentId: investment,
            propertyName: investment == elm ? "Elm Residences" : "Oak Lofts", description: type.rawValue
        )
    }

    /// Elm funded in Q2 and paid in Q3; Oak funded in Q3 and exited in Q4.
    static let ledger = [
        line("2026-04-10", .commitment, "-100000", elm, status: "pending"),
        line("2026-04-15", .investment, "-100000", elm),
        line("2026-07-20", .commitment, "-50000", oak, status: "pending"),
        line("2026-08-01", .investment, "-50000", oak),
        line("2026-09-30", .distribution, "2000.00", elm),
        line("2026-09-30", .taxWithholding, "-480.00", elm),
        line("2026-09-30", .distribution, "500.00", oak),
        line("2026-11-02", .exitProceeds, "61000.00", oak),
    ]

    @Test func aQuarterSumsOnlyItsOwnEntries() throws {
        let period = try StatementPeriod.validated(kind: "quarterly", start: CalendarDate("2026-07-01")!, end: CalendarDate("2026-09-30")!)
        let content = StatementContent.build(period: period, positions: Self.positions, ledger: Self.ledger)
        let summary = content.summary
        #expect(summary.periodLabel == "Q3 2026")
        #expect(summary.openingCapital == Money("100000"))
        #expect(summary.contributions == Money("50000"))
        #expect(summary.distributions == Money("2500.00"))
        #expect(summary.taxWithheld == Money("480.00"))
        #expect(summary.exitProceeds == .zero)
        #expect(summary.netCashReceived == Money("2020.00"))
        #expect(summary.closingCapital == Money("150000"))
        #expect(summary.byProperty.map(\.propertyName) == ["Elm Residences", "Oak Lofts"])
        #expect(summary.byProperty.map(\.distributions) == [Money("2000.00")!, Money("500.00")!])
        // The commitment in the quarter is listed (pending); the Q2 and Q4 entries are not.
        #expect(content.transactions.map(\.date.description) == ["2026-07-20", "2026-08-01", "2026-09-30", "2026-09-30", "2026-09-30"])
        #expect(content.transactions.first?.status == "pending")
        #expect(content.holdings.map(\.status) == ["funded", "funded"])
        #expect(content.holdings.first?.distributionsToDate == Money("2000.00"))
        #expect(content.performance.totalInvested == Money("150000"))
        #expect(content.performance.valueAtPeriodEnd == Money("150000"))
        #expect(content.performance.distributionsToDate == Money("2500.00"))
        // (2,500 + 150,000) ÷ 150,000.
        #expect(content.performance.equityMultiple == Decimal(string: "1.016667"))
        #expect((content.performance.xirr ?? 0) > 0)
    }

    @Test func theNextQuarterShowsTheExitAndNoLongerHoldsIt() throws {
        let period = try StatementPeriod.validated(kind: "quarterly", start: CalendarDate("2026-10-01")!, end: CalendarDate("2026-12-31")!)
        let content = StatementContent.build(period: period, positions: Self.positions, ledger: Self.ledger)
        #expect(content.summary.openingCapital == Money("150000"))
        #expect(content.summary.exitProceeds == Money("61000.00"))
        #expect(content.summary.netCashReceived == Money("61000.00"))
        #expect(content.summary.closingCapital == Money("100000"))
        #expect(content.holdings.map(\.status) == ["funded", "exited"])
        #expect(content.holdings.last?.exitProceeds == Money("61000.00"))
        // The year after, the exited position is history.
        let next = try StatementPeriod.validated(kind: "annual", start: CalendarDate("2027-01-01")!, end: CalendarDate("2027-12-31")!)
        #expect(StatementContent.build(period: next, positions: Self.positions, ledger: Self.ledger).holdings.count == 1)
    }

    @Test func aPeriodBeforeAnyInvestmentIsEmptyAndSaysWhyThereIsNoIRR() throws {
        let period = try StatementPeriod.validated(kind: "monthly", start: CalendarDate("2026-01-01")!, end: CalendarDate("2026-01-31")!)
        let content = StatementContent.build(period: period, positions: Self.positions, ledger: Self.ledger)
        #expect(content.transactions.isEmpty)
        #expect(content.holdings.isEmpty)
        #expect(content.summary.closingCapital == .zero)
        #expect(content.performance.equityMultiple == nil)
        #expect(content.performance.xirr == nil)
        #expect(content.performance.xirrUnavailable != nil)
    }

    @Test func theDocumentEscapesNamesAndItsHashIsOfItsBytes() throws {
        let period = try StatementPeriod.validated(kind: "quarterly", start: CalendarDate("2026-07-01")!, end: CalendarDate("2026-09-30")!)
        var positions = Self.positions
        positions[0].propertyName = "<script>alert(1)</script>"
        var ledger = Self.ledger
        ledger = ledger.map { line in
            var line = line
            if line.investmentId == Self.elm { line.propertyName = "<script>alert(1)</script>" }
            return line
        }
        let content = StatementContent.build(period: period, positions: positions, ledger: ledger)
        let names = StatementNames(
            investor: "Ada <b>Lovelace</b>", sponsors: [(property: "<script>alert(1)</script>", sponsor: "Elm & Oak Partners")])
        let rendered = try StatementDocument.bundled().render(
            content, names: names, period: period, statementID: UUID(), investorID: UUID(), issuedOn: CalendarDate("2026-10-01")!)
        #expect(rendered.html.contains("Prepared for <strong>Ada &lt;b&gt;Lovelace&lt;/b&gt;</strong>"))
        #expect(rendered.html.contains("<td>Elm &amp; Oak Partners</td>"), "the sponsor is named beside its property")
        #expect(!rendered.html.contains("<script>"))
        #expect(rendered.html.contains("&lt;script&gt;"))
        #expect(rendered.html.contains("$2,020.00"))
        #expect(rendered.html.contains("Q3 2026"))
        #expect(rendered.sha256 == StatementDocument.sha256(rendered.html))
        #expect(rendered.sha256.count == 64)
    }
}
