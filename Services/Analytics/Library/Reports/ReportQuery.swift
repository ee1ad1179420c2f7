import Foundation
import Hummingbird
import ServiceKit

/// A report route's query parameters, each problem named (one 422 listing them all).
///
/// Days are `yyyy-MM-dd` (UTC) and both ends are included: `from=2026-11-01&to=2026-11-30` is
/// November. Without them a report covers the 30 days ending today.
struct ReportQuery {
    let parameters: Parameters
    let today: Int
    var errors = FieldErrors()

    init(_ request: Request, today: Date) {
        self.parameters = request.uri.queryParameters
        self.today = ReportDays.dayNumber(today)
    }

    /// The parameter as sent. `?to=` is sent but empty, and an empty value is not a day, number or
    /// id: the documents do not allow empty values (OpenAPI `allowEmptyValue` is false), so each
    /// reader below refuses it with 422 rather than reading it as absent.
    func text(_ name: String) -> String? {
        self.parameters[Substring(name)].map(String.init)
    }

    mutating func range(defaultDays: Int = 30) -> DayRange {
        let to = self.day("to") ?? self.today
        let from = self.day("from") ?? (to - defaultDays + 1)
        if from > to { self.errors.add("from", "must not be after to") }
        return DayRange(from: ReportDays.date(dayNumber: from), to: ReportDays.date(dayNumber: max(from, to) + 1))
    }

    mutating func day(_ name: String) -> Int? {
        guard let text = self.text(name) else { return nil }
        guard let day = ReportDays.dayNumber(named: text) else {
            self.errors.add(name, "must be a day, yyyy-MM-dd")
            return nil
        }
        return day
    }

    mutating func integer(_ name: String, default value: Int, _ allowed: ClosedRange<Int>) -> Int {
        guard let text = self.text(name) else { return value }
        guard let number = Int(text), allowed.contains(number) else {
            self.errors.add(name, "must be a whole number from \(allowed.lowerBound) to \(allowed.upperBound)")
            return value
        }
        return number
    }

    mutating func uuid(_ name: String) -> UUID? {
        guard let text = self.text(name) else { return nil }
        guard let id = UUID(uuidString: text) else {
            self.errors.add(name, "must be a UUID")
            return nil
        }
        return id
    }

    /// A conversion window: seconds, or a number with s, m, h or d (`30m`, `7d`).
    mutating func window(_ name: String, default value: Int) -> Int {
        guard let text = self.text(name) else { return value }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        let unit = text.last.flatMap { units[$0] }
        guard let number = Int(unit == nil ? Substring(text) : text.dropLast()), number > 0 else {
            self.errors.add(name, "must be a duration: seconds, or a number with s, m, h or d (7d)")
            return value
        }
        let (seconds, overflow) = number.multipliedReportingOverflow(by: unit ?? 1)
        return overflow ? Int.max : seconds
    }

    /// `filter=key:value`, repeated for more than one.
    mutating func filters() -> [PropertyFilter] {
        self.parameters[values: "filter"].compactMap { raw in
            guard let colon = raw.firstIndex(of: ":"), colon != raw.startIndex else {
                self.errors.add("filter", "must be key:value")
                return nil
            }
            return PropertyFilter(key: String(raw[..<colon]), value: String(raw[raw.index(after: colon)...]))
        }
    }

    func check() throws { try self.errors.check() }
}

/// JSON unless the caller asks for CSV with `?format=csv` or `Accept: text/csv`.
enum ReportFormat {
    case json, csv

    init(_ request: Request) throws {
        switch request.uri.queryParameters["format"].map(String.init) {
        case "csv": self = .csv
        case "json": self = .json
        case nil:
            let accept = request.headers[.accept] ?? ""
            self = accept.lowercased().contains("text/csv") ? .csv : .json
        default: throw Problem.validation(field: "format", "must be json or csv")
        }
    }
}
