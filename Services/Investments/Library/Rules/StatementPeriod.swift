import Models

/// What a statement covers: a whole calendar month, quarter or year (tax statements cover a
/// calendar year, the period Form 1099 and K-1 reporting use). Periods are whole so that two
/// statements of one type never overlap and each investor has at most one per period.
struct StatementPeriod: Sendable, Hashable {
    enum Kind: String, Sendable, CaseIterable, Codable {
        case monthly, quarterly, annual, tax
    }

    let kind: Kind
    let start: CalendarDate
    let end: CalendarDate

    /// Checks that `start`…`end` is exactly one period of `kind`, naming every bad field.
    static func validated(kind raw: String, start: CalendarDate, end: CalendarDate) throws(RuleValidationError) -> StatementPeriod {
        guard let kind = Kind(rawValue: raw) else {
            throw RuleValidationError(errors: [RuleFieldError(field: "type", message: "must be one of monthly, quarterly, annual, tax")])
        }
        let expected = Self.covering(start, kind: kind)
        var errors: [RuleFieldError] = []
        if start != expected.start {
            errors.add("period_start", "must be the first day of a \(kind.periodNoun) (\(expected.start))")
        }
        if start == expected.start, end != expected.end {
            errors.add("period_end", "must be the last day of the \(kind.periodNoun) that starts on \(start) (\(expected.end))")
        }
        guard errors.isEmpty else { throw RuleValidationError(errors: errors) }
        return expected
    }

    /// The period of `kind` that contains `day`.
    static func covering(_ day: CalendarDate, kind: Kind) -> StatementPeriod {
        let (firstMonth, months): (Int, Int) =
            switch kind {
            case .monthly: (day.month, 1)
            case .quarterly: ((day.month - 1) / 3 * 3 + 1, 3)
            case .annual, .tax: (1, 12)
            }
        let lastMonth = firstMonth + months - 1
        return StatementPeriod(
            kind: kind,
            start: CalendarDate(year: day.year, month: firstMonth, day: 1)!,
            end: CalendarDate(year: day.year, month: lastMonth, day: CalendarDate.daysIn(month: lastMonth, year: day.year))!
        )
    }

    /// The latest period of `kind` that has ended before `today` (what a statement run is for).
    static func lastCompleted(before today: CalendarDate, kind: Kind) -> StatementPeriod {
        Self.covering(Self.covering(today, kind: kind).start.adding(days: -1), kind: kind)
    }

    func contains(_ day: CalendarDate) -> Bool { self.start <= day && day <= self.end }

    /// "November 2026", "Q3 2026", "2026".
    var label: String {
        switch self.kind {
        case .monthly: "\(Self.monthNames[self.start.month - 1]) \(self.start.year)"
        case .quarterly: "Q\((self.start.month - 1) / 3 + 1) \(self.start.year)"
        case .annual, .tax: "\(self.start.year)"
        }
    }

    /// "quarterly statement", "tax statement".
    var title: String { "\(self.kind.rawValue) statement" }

    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
}

extension StatementPeriod.Kind {
    var periodNoun: String {
        switch self {
        case .monthly: "month"
        case .quarterly: "quarter"
        case .annual, .tax: "calendar year"
        }
    }
}
