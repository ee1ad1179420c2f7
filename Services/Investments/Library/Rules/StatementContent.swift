import Foundation
import Models

/// One ledger entry of the investor's, as a statement reads it.
struct StatementLedgerLine: Sendable, Equatable {
    var date: CalendarDate
    var type: String
    var status: String
    /// Signed from the investor's side, as the ledger keeps it: money in negative.
    var amount: Money
    var investmentId: UUID?
    var propertyName: String
    var description: String?
}

/// One of the investor's positions, whatever its state today; the ledger says what it was when.
struct StatementPosition: Sendable, Equatable {
    var investmentId: UUID
    var propertyName: String
    var city: String
    var state: String
    var shareClass: String
    var amount: Money
}

/// A statement's four parts (seed 001 `summary`, `transactions`, `holdings`, `performance`),
/// computed from the ledger alone, so a statement for a past period says the same whenever it is
/// drawn up: nothing after the period's last day counts.
struct StatementContent: Codable, Sendable, Equatable {
    struct Summary: Codable, Sendable, Equatable {
        var periodLabel: String
        /// Capital in funded positions not yet exited, the day before the period starts.
        var openingCapital: Money
        var contributions: Money
        /// Gross: distributions and returns of capital, before withholding.
        var distributions: Money
        var exitProceeds: Money
        var taxWithheld: Money
        var fees: Money
        var netCashReceived: Money
        var closingCapital: Money
        var byProperty: [PropertyLine]
    }

    struct PropertyLine: Codable, Sendable, Equatable {
        var propertyName: String
        var contributions: Money
        var distributions: Money
        var exitProceeds: Money
        var taxWithheld: Money
    }

    struct Transaction: Codable, Sendable, Equatable {
        var date: CalendarDate
        var type: String
        var status: String
        var propertyName: String
        var description: String?
        var amount: Money
    }

    struct Holding: Codable, Sendable, Equatable {
        var investmentId: UUID
        var propertyName: String
        var location: String
        var shareClass: String
        /// `committed`, `funded` or `exited`, as of the period's last day.
        var status: String
        var capital: Money
        var fundedOn: CalendarDate?
        var distributionsToDate: Money
        var exitProceeds: Money?
    }

    struct Performance: Codable, Sendable, Equatable {
        var asOf: CalendarDate
        var totalInvested: Money
        /// Book value (capital of positions held): no valuation feed exists yet.
        var valueAtPeriodEnd: Money
        var distributionsToDate: Money
        var exitProceedsToDate: Money
        var equityMultiple: Decimal?
        var xirr: Double?
        var xirrUnavailable: String?
    }

    var summary: Summary
    var transactions: [Transaction]
    var holdings: [Holding]
    var performance: Performance

    /// Pure: the statement of `period` from every ledger line and position the investor has.
    static func build(period: StatementPeriod, positions: [StatementPosition], ledger: [StatementLedgerLine]) -> StatementContent {
        let completed = ledger.filter { $0.status == "completed" }
        let toDate = completed.filter { $0.date <= period.end }
        let inPeriod = completed.filter { period.contains($0.date) }
        func total(_ lines: [StatementLedgerLine], _ types: Ledger.Entry...) -> Money {
            lines.filter { line in types.contains { $0.rawValue == line.type } }.reduce(Money.zero) { $0 + $1.amount }
        }

        let states = positions.map { position in
            (position, PositionHistory(lines: ledger.filter { $0.investmentId == position.investmentId }))
        }
        let opening = states.filter { $0.1.isHeld(on: period.start.adding(days: -1)) }.reduce(Money.zero) { $0 + $1.0.amount }
        let closing = states.filter { $0.1.isHeld(on: period.end) }.reduce(Money.zero) { $0 + $1.0.amount }

        let distributions = total(inPeriod, .distribution, .returnOfCapital)
        let exits = total(inPeriod, .exitProceeds)
        let withheld = Money.zero - total(inPeriod, .taxWithholding)
        let fees = Money.zero - total(inPeriod, .fee)
        let byProperty = Dictionary(grouping: inPeriod, by: \.propertyName).map { name, lines in
            PropertyLine(
                propertyName: name, contributions: Money.zero - total(lines, .investment),
                distributions: total(lines, .distribution, .returnOfCapital), exitProceeds: total(lines, .exitProceeds),
                taxWithheld: Money.zero - total(lines, .taxWithholding)
            )
        }.sorted { $0.propertyName < $1.propertyName }
        let summary = Summary(
            periodLabel: period.label, openingCapital: opening, contributions: Money.zero - total(inPeriod, .investment),
            distributions: distributions, exitProceeds: exits, taxWithheld: withheld, fees: fees,
            netCashReceived: distributions + exits - withheld - fees, closingCapital: closing, byProperty: byProperty
        )

        let transactions = ledger.filter { period.contains($0.date) }.map {
            Transaction(
                date: $0.date, type: $0.type, status: $0.status, propertyName: $0.propertyName, description: $0.description, amount: $0.amount)
        }
        let holdings = states.compactMap { position, history -> Holding? in
            guard let status = history.status(on: period.end), history.isRelevant(to: period) else { return nil }
            return Holding(
                investmentId: position.investmentId, propertyName: position.propertyName, location: "\(position.city), \(position.state)",
                shareClass: position.shareClass, status: status, capital: position.amount, fundedOn: history.fundedOn,
                distributionsToDate: total(
                    history.lines.filter { $0.status == "completed" && $0.date <= period.end }, .distribution, .returnOfCapital),
                exitProceeds: history.exit.flatMap { $0.date <= period.end ? $0.amount : nil }
            )
        }

        let invested = Money.zero - total(toDate, .investment)
        let distributedToDate = total(toDate, .distribution, .returnOfCapital)
        let exitedToDate = total(toDate, .exitProceeds)
        // The investor's cash flows, gross of withholding (tax withheld was paid on their behalf), as the portfolio counts them.
        var flows = toDate.filter { line in
            [Ledger.Entry.investment, .distribution, .returnOfCapital, .exitProceeds, .fee].contains { $0.rawValue == line.type }
        }.map { DatedCashFlow(date: $0.date, amount: $0.amount) }
        if closing > .zero { flows.append(DatedCashFlow(date: period.end, amount: closing)) }
        var xirr: Double?
        var unavailable: String?
        do { xirr = try InvestmentReturns.xirr(flows) } catch { unavailable = error.description }
        let performance = Performance(
            asOf: period.end, totalInvested: invested, valueAtPeriodEnd: closing, distributionsToDate: distributedToDate,
            exitProceedsToDate: exitedToDate,
            equityMultiple: InvestmentReturns.equityMultiple(
                totalDistributions: distributedToDate + exitedToDate, currentValue: closing, totalInvested: invested),
            xirr: xirr, xirrUnavailable: unavailable
        )
        return StatementContent(summary: summary, transactions: transactions, holdings: holdings, performance: performance)
    }
}

/// One position's moves, read from its ledger lines: committed, funded and exited on which days.
private struct PositionHistory {
    let lines: [StatementLedgerLine]
    let committedOn: CalendarDate?
    let releasedOn: CalendarDate?
    let fundedOn: CalendarDate?
    let exit: StatementLedgerLine?

    init(lines: [StatementLedgerLine]) {
        self.lines = lines
        func first(_ entry: Ledger.Entry) -> StatementLedgerLine? { lines.filter { $0.type == entry.rawValue }.min { $0.date < $1.date } }
        self.committedOn = first(.commitment)?.date
        self.releasedOn = first(.commitmentReleased)?.date
        self.fundedOn = lines.filter { $0.type == Ledger.Entry.investment.rawValue && $0.status == "completed" }.map(\.date).min()
        self.exit = first(.exitProceeds)
    }

    /// Capital is at work on `day`: funded by then and not yet exited.
    func isHeld(on day: CalendarDate) -> Bool {
        guard let funded = self.fundedOn, funded <= day else { return false }
        return self.exit.map { $0.date > day } ?? true
    }

    /// `committed`, `funded` or `exited` on `day`; nil before the commitment or after a release.
    func status(on day: CalendarDate) -> String? {
        if let exit = self.exit, exit.date <= day { return "exited" }
        if self.isHeld(on: day) { return "funded" }
        guard let committed = self.committedOn, committed <= day else { return nil }
        if let released = self.releasedOn, released <= day { return nil }
        return "committed"
    }

    /// A position exited before the period began is history, not a holding.
    func isRelevant(to period: StatementPeriod) -> Bool {
        guard let exit = self.exit else { return true }
        return exit.date >= period.start
    }
}
