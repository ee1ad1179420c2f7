import Foundation

/// The IRC §6621(a)(2) underpayment rate (federal short-term rate + 3 points), set each calendar
/// quarter, that §1400Z-2(f)(1) uses to price a month of a QOF's shortfall. A dated table, not a
/// constant: a month is priced at the rate of its quarter.
///
/// Source: the IRS's quarterly interest-rate announcements (news releases "Interest rates remain
/// the same / increase / decrease for the … quarter", each with its revenue ruling), rate for
/// underpayments by taxpayers other than large corporate underpayments. Q1 2026: IR-2025-112,
/// Rev. Rul. 2025-22 (7%). Q2 2026 (6%) is taken from a secondary summary of the IRS release
/// and should be checked against Rev. Rul. 2026-xx before filing. Later quarters are not in the
/// table: a penalty month past the table's end is refused rather than guessed.
enum UnderpaymentRates {
    struct Quarter: Sendable, Hashable {
        var year: Int
        /// 1…4.
        var quarter: Int
        /// Percent per year.
        var percent: Decimal
    }

    static let table: [Quarter] = [
        .init(year: 2018, quarter: 1, percent: 4), .init(year: 2018, quarter: 2, percent: 5),
        .init(year: 2018, quarter: 3, percent: 5), .init(year: 2018, quarter: 4, percent: 5),
        .init(year: 2019, quarter: 1, percent: 6), .init(year: 2019, quarter: 2, percent: 6),
        .init(year: 2019, quarter: 3, percent: 5), .init(year: 2019, quarter: 4, percent: 5),
        .init(year: 2020, quarter: 1, percent: 5), .init(year: 2020, quarter: 2, percent: 5),
        .init(year: 2020, quarter: 3, percent: 3), .init(year: 2020, quarter: 4, percent: 3),
        .init(year: 2021, quarter: 1, percent: 3), .init(year: 2021, quarter: 2, percent: 3),
        .init(year: 2021, quarter: 3, percent: 3), .init(year: 2021, quarter: 4, percent: 3),
        .init(year: 2022, quarter: 1, percent: 3), .init(year: 2022, quarter: 2, percent: 4),
        .init(year: 2022, quarter: 3, percent: 5), .init(year: 2022, quarter: 4, percent: 6),
        .init(year: 2023, quarter: 1, percent: 7), .init(year: 2023, quarter: 2, percent: 7),
        .init(year: 2023, quarter: 3, percent: 7), .init(year: 2023, quarter: 4, percent: 8),
        .init(year: 2024, quarter: 1, percent: 8), .init(year: 2024, quarter: 2, percent: 8),
        .init(year: 2024, quarter: 3, percent: 8), .init(year: 2024, quarter: 4, percent: 8),
        .init(year: 2025, quarter: 1, percent: 7), .init(year: 2025, quarter: 2, percent: 7),
        .init(year: 2025, quarter: 3, percent: 7), .init(year: 2025, quarter: 4, percent: 7),
        .init(year: 2026, quarter: 1, percent: 7), .init(year: 2026, quarter: 2, percent: 6),
    ]

    /// The annual rate, in percent, for a month; nil outside the table.
    static func percent(for month: ComplianceMonth) -> Decimal? {
        let quarter = (month.month - 1) / 3 + 1
        return Self.table.first { $0.year == month.year && $0.quarter == quarter }?.percent
    }
}
