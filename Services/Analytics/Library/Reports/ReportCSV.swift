import Foundation

/// Reports as CSV (RFC 4180): CRLF line ends, every field quoted when it holds a comma, quote,
/// CR or LF, quotes doubled. Text a spreadsheet would run as a formula — starting with =, +, -, @,
/// a tab or CR (OWASP "CSV injection") — is prefixed with an apostrophe. Numbers are written as
/// numbers; only text from the data (event names, property values, sources) is guarded.
enum ReportCSV {
    enum Cell: Equatable {
        case text(String?)
        case number(Int)
        case rate(Double?)
    }

    static func document(header: [String], rows: [[Cell]]) -> String {
        var lines = [header.map { field(.text($0)) }.joined(separator: ",")]
        for row in rows { lines.append(row.map(field).joined(separator: ",")) }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ cell: Cell) -> String {
        switch cell {
        case .number(let value): return String(value)
        case .rate(let value): return value.map { String(format: "%.4f", $0) } ?? ""
        case .text(let value):
            guard var text = value else { return "" }
            if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
            if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) {
                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return text
        }
    }

    static func funnel(_ report: FunnelReport) -> String {
        let header = ["breakdown", "step", "name", "actors", "conversion_from_previous", "conversion_from_first", "drop_off"]
        func rows(_ value: String?, _ steps: [FunnelStep]) -> [[Cell]] {
            steps.enumerated().map { index, step in
                [
                    .text(value), .number(index + 1), .text(step.name), .number(step.actors), .rate(step.conversionFromPrevious),
                    .rate(step.conversionFromFirst), .number(step.dropOff),
                ]
            }
        }
        var all = rows("(all)", report.steps)
        for group in report.breakdown ?? [] { all += rows(group.value, group.steps) }
        return document(header: header, rows: all)
    }

    static func retention(_ report: RetentionReport) -> String {
        let width = report.cohorts.map(\.retained.count).max() ?? 0
        let header = ["cohort_start", "size"] + (0..<width).map { "\(report.period.rawValue)_\($0)" }
        let rows = report.cohorts.map { cohort -> [Cell] in
            [.text(cohort.start), .number(cohort.size)]
                + (0..<width).map { $0 < cohort.retained.count ? .number(cohort.retained[$0]) : .text(nil) }
        }
        return document(header: header, rows: rows)
    }

    static func metrics(_ days: [DailyMetrics]) -> String {
        let header = ["day", "active_users", "visitors", "sign_ups", "sign_ups_by_source", "activation_rate", "retention_rate"]
        let rows = days.map { day -> [Cell] in
            let sources = day.signUpsBySource.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";")
            return [
                .text(day.day), .number(day.activeUsers), .number(day.visitors), .number(day.signUps), .text(sources),
                .rate(day.activationRate), .rate(day.retentionRate),
            ]
        }
        return document(header: header, rows: rows)
    }

    static func signUps(_ days: [DailyCount]) -> String {
        document(header: ["day", "sign_ups"], rows: days.map { [.text($0.day), .number($0.count)] })
    }

    static func sources(_ sources: [SourceCount]) -> String {
        document(
            header: ["source", "visitors", "sign_ups", "sessions"],
            rows: sources.map { [.text($0.source), .number($0.visitors), .number($0.signUps), .number($0.sessions)] }
        )
    }

    static func states(_ states: [StateCount]) -> String {
        document(header: ["state", "checks", "designated"], rows: states.map { [.text($0.state), .number($0.checks), .number($0.designated)] })
    }
}
