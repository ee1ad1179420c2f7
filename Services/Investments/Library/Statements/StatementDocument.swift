import Crypto
import Foundation
import Models
import Mustache
import ServiceKit

/// Renders a statement as a self-contained HTML document (`Resources/Templates/statement.html.mustache`,
/// variables escaped by Mustache) and fingerprints it: the SHA-256 is stored with the document, sent
/// as its ETag, and lets an investor show that a copy they hold is the one Tract issued.
struct StatementDocument: Sendable {
    static let contentType = "text/html; charset=utf-8"

    struct Rendered: Sendable, Equatable {
        var html: String
        /// Lowercase hex SHA-256 of the UTF-8 bytes.
        var sha256: String
    }

    let template: MustacheTemplate

    /// Loads and parses the template shipped in the bundle, failing start-up if it is broken.
    static func bundled(_ bundle: Bundle = .module) throws -> StatementDocument {
        guard let url = bundle.resourceURL?.appendingPathComponent("Templates/statement.html.mustache"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            throw ConfigurationError(variable: "Resources/Templates", reason: "the statement template is missing from the build")
        }
        return StatementDocument(template: try MustacheTemplate(string: text))
    }

    func render(
        _ content: StatementContent, names: StatementNames, period: StatementPeriod, statementID: UUID, investorID: UUID, issuedOn: CalendarDate
    ) -> Rendered {
        let html = self.template.render(
            StatementView(content, names: names, period: period, statementID: statementID, investorID: investorID, issuedOn: issuedOn))
        return Rendered(html: html, sha256: Self.sha256(html))
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).hexString
    }
}

/// What the template sees: every figure already formatted, so the template holds no logic.
private struct StatementView {
    struct Row {
        var label: String
        var value: String
    }
    struct PropertyRow {
        var name: String
        var contributions: String
        var distributions: String
        var exits: String
        var withheld: String
    }
    struct TransactionRow {
        var date: String
        var property: String
        var kind: String
        var description: String
        var amount: String
        var pending: Bool
    }
    struct SponsorRow {
        var property: String
        var sponsor: String
    }
    struct HoldingRow {
        var property: String
        var sponsor: String
        var location: String
        var shareClass: String
        var status: String
        var capital: String
        var fundedOn: String
        var distributions: String
    }

    var title: String
    var periodLabel: String
    var periodStart: String
    var periodEnd: String
    var statementID: String
    var investorID: String
    var investorName: String
    var sponsors: [SponsorRow]
    var hasSponsors: Bool
    var issuedOn: String
    var summary: [Row]
    var properties: [PropertyRow]
    var hasProperties: Bool
    var transactions: [TransactionRow]
    var hasTransactions: Bool
    var holdings: [HoldingRow]
    var hasHoldings: Bool
    var performance: [Row]
    var isTaxStatement: Bool

    init(_ content: StatementContent, names: StatementNames, period: StatementPeriod, statementID: UUID, investorID: UUID, issuedOn: CalendarDate) {
        let summary = content.summary
        let performance = content.performance
        self.title = "Tract \(period.title)"
        self.periodLabel = period.label
        self.periodStart = period.start.description
        self.periodEnd = period.end.description
        self.statementID = statementID.uuidString.lowercased()
        self.investorID = investorID.uuidString.lowercased()
        self.investorName = names.investor
        self.sponsors = names.sponsors.map { SponsorRow(property: $0.property, sponsor: $0.sponsor) }
        self.hasSponsors = !self.sponsors.isEmpty
        self.issuedOn = issuedOn.description
        self.summary = [
            Row(label: "Capital at start of period", value: summary.openingCapital.dollars),
            Row(label: "Contributions", value: summary.contributions.dollars),
            Row(label: "Distributions (gross)", value: summary.distributions.dollars),
            Row(label: "Exit proceeds", value: summary.exitProceeds.dollars),
            Row(label: "Tax withheld", value: summary.taxWithheld.dollars),
            Row(label: "Fees", value: summary.fees.dollars),
            Row(label: "Net cash received", value: summary.netCashReceived.dollars),
            Row(label: "Capital at end of period", value: summary.closingCapital.dollars),
        ]
        self.properties = summary.byProperty.map {
            PropertyRow(
                name: $0.propertyName, contributions: $0.contributions.dollars, distributions: $0.distributions.dollars,
                exits: $0.exitProceeds.dollars, withheld: $0.taxWithheld.dollars)
        }
        self.hasProperties = !self.properties.isEmpty
        self.transactions = content.transactions.map {
            TransactionRow(
                date: $0.date.description, property: $0.propertyName, kind: $0.type.replacingOccurrences(of: "_", with: " "),
                description: $0.description ?? "", amount: $0.amount.dollars, pending: $0.status != "completed")
        }
        self.hasTransactions = !self.transactions.isEmpty
        self.holdings = content.holdings.map {
            HoldingRow(
                property: $0.propertyName, sponsor: names.sponsor(of: $0.propertyName) ?? "—", location: $0.location, shareClass: $0.shareClass,
                status: $0.status,
                capital: $0.capital.dollars, fundedOn: $0.fundedOn?.description ?? "—", distributions: $0.distributionsToDate.dollars)
        }
        self.hasHoldings = !self.holdings.isEmpty
        self.performance = [
            Row(label: "Total invested", value: performance.totalInvested.dollars),
            Row(label: "Value at period end (book)", value: performance.valueAtPeriodEnd.dollars),
            Row(label: "Distributions to date", value: performance.distributionsToDate.dollars),
            Row(label: "Exit proceeds to date", value: performance.exitProceedsToDate.dollars),
            Row(label: "Equity multiple", value: performance.equityMultiple.map { "\($0)×" } ?? "—"),
            Row(
                label: "IRR (XIRR)",
                value: performance.xirr.map { String(format: "%.2f%%", $0 * 100) } ?? "— (\(performance.xirrUnavailable ?? "not available"))"),
        ]
        self.isTaxStatement = period.kind == .tax
    }
}
