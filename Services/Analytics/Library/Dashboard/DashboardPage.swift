import Foundation

/// The staff dashboard as one self-contained HTML document: inline CSS, charts as inline SVG
/// (`SVGCharts`), no scripts, fonts or images, so it passes the strict CSP it is served with and
/// prints or screenshots the same anywhere. Pure: `DashboardData` in, HTML out; every piece of
/// text from the data is escaped.
enum DashboardPage {
    /// The path the page is served at; its range links and form point back to it.
    static let path = "/v1/analytics/dashboard"

    /// One CSV download offered under the charts.
    struct Export: Equatable {
        var label: String
        var href: String
    }

    static func render(_ data: DashboardData, exports: [Export]) -> String {
        let range = data.range
        let title = "\(DashboardRange.longLabel(range.first)) – \(DashboardRange.longLabel(range.last))"
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>Tract analytics · \(HTMLText.escape(title))</title>
            <style>\(self.styles)</style>
            </head>
            <body>
            <header class="top">
            <div>
            <p class="eyebrow">Tract · staff analytics</p>
            <h1>Funnel and growth</h1>
            <p class="subtitle">\(HTMLText.escape(title)) · \(range.days) days, compared with the \(range.days) days before</p>
            </div>
            \(self.picker(data))
            </header>
            <main>
            <section class="kpis" aria-label="Headline numbers">
            \(self.headlines(data))
            </section>
            <section class="panels">
            \(self.panel("Sign-ups over time", "New accounts per day (user.created).", self.signUpChart(data), wide: true))
            \(self.panel("Investment funnel", "Viewed a listing → funded, each step within 90 days of the first (seed 001).", self.funnelChart(data)))
            \(self.panel("Top sources", "Visitors by first-touch source, and how many of them signed up.", self.sourceChart(data)))
            \(self.panel("Weekly retention", "Visitors by the week they were first seen: the share active again in each later week.", self.retentionChart(data), wide: true))
            \(self.panel("OZ checks by state", "Opportunity Zone checks run, by the checked tract's state, and how many were in a designated zone.", self.ozChart(data), wide: true))
            </section>
            </main>
            <footer>
            <p><strong>Download CSV</strong> \(exports.map { #"<a href="\#(HTMLText.escape($0.href))">\#(HTMLText.escape($0.label))</a>"# }.joined(separator: " "))</p>
            <p class="muted">Times are UTC. Daily numbers come from the nightly rollup; today's may still move.</p>
            </footer>
            </body>
            </html>

            """
    }

    // MARK: Header

    /// Presets as plain links and a GET form for any range: no script needed.
    static func picker(_ data: DashboardData) -> String {
        let presets = [7, 30, 90].map { days -> String in
            let preset = DashboardRange.last(days, endingOn: data.today)
            let current = preset == data.range ? #" aria-current="page""# : ""
            return #"<a class="preset" href="\#(HTMLText.escape("\(self.path)?\(preset.query)"))"\#(current)>\#(days) days</a>"#
        }
        return """
            <nav class="picker" aria-label="Date range">
            <div class="presets">\(presets.joined())</div>
            <form method="get" action="\(self.path)">
            <label>From <input type="date" name="from" value="\(DashboardRange.key(data.range.first))" required></label>
            <label>To <input type="date" name="to" value="\(DashboardRange.key(data.range.last))" required></label>
            <button type="submit">Show</button>
            </form>
            </nav>
            """
    }

    static func headlines(_ data: DashboardData) -> String {
        let (now, before) = (data.current, data.previous)
        return [
            self.card("Visitors", NumberText.count(now.visitors), HeadlineChange.count(now.visitors, before.visitors), "distinct, signed-in or not"),
            self.card("Sign-ups", NumberText.count(now.signUps), HeadlineChange.count(now.signUps, before.signUps), "new accounts"),
            self.card(
                "Activation", now.activationRate.map(NumberText.percent) ?? "–", HeadlineChange.rate(now.activationRate, before.activationRate),
                "of sign-ups, within 7 days"),
            self.card(
                "Retention", now.retentionRate.map(NumberText.percent) ?? "–", HeadlineChange.rate(now.retentionRate, before.retentionRate),
                "active again a week later"),
        ].joined(separator: "\n")
    }

    static func card(_ label: String, _ value: String, _ change: HeadlineChange?, _ hint: String) -> String {
        let change =
            change.map { #"<span class="change \#($0.direction.rawValue)">\#(HTMLText.escape($0.text))</span>"# }
            ?? #"<span class="change flat">no earlier data</span>"#
        return """
            <article class="kpi"><h2>\(HTMLText.escape(label))</h2><p class="value">\(HTMLText.escape(value))</p>\
            <p class="delta">\(change) <span class="muted">vs previous period · \(HTMLText.escape(hint))</span></p></article>
            """
    }

    static func panel(_ title: String, _ caption: String, _ chart: String, wide: Bool = false) -> String {
        """
        <section class="panel\(wide ? " wide" : "")"><h2>\(HTMLText.escape(title))</h2><p class="caption">\(HTMLText.escape(caption))</p>\(chart)</section>
        """
    }

    // MARK: Charts

    static func signUpChart(_ data: DashboardData) -> String {
        let points = data.signUps.map { ChartBar(label: DashboardRange.shortLabel($0.day), value: Double($0.count)) }
        let total = data.signUps.reduce(0) { $0 + $1.count }
        let peak = data.signUps.max { $0.count < $1.count }
        let summary =
            "\(NumberText.count(total)) sign-ups over \(data.signUps.count) days"
            + (peak.map { ", the most on \(DashboardRange.shortLabel($0.day)) (\(NumberText.count($0.count)))" } ?? "") + "."
        return SVGCharts.line(id: "signups", title: "Sign-ups per day", summary: summary, points: points, emptyMessage: "No sign-ups in this period")
    }

    static func funnelChart(_ data: DashboardData) -> String {
        let steps = data.funnel.steps.map {
            FunnelBarStep(
                name: self.stepNames[$0.name] ?? $0.name, actors: Double($0.actors), conversionFromPrevious: $0.conversionFromPrevious,
                conversionFromFirst: $0.conversionFromFirst, dropOff: Double($0.dropOff))
        }
        let summary: String
        if let first = data.funnel.steps.first, let last = data.funnel.steps.last, first.actors > 0 {
            summary =
                "\(NumberText.count(first.actors)) people viewed a listing; \(NumberText.count(last.actors)) (\(NumberText.percent(Double(last.actors) / Double(first.actors)))) reached the last step."
        } else {
            summary = "Nobody entered the funnel in this period."
        }
        return SVGCharts.funnel(
            id: "funnel", title: "Investment funnel", summary: summary, steps: steps, emptyMessage: "Nobody viewed a listing in this period",
            width: 640)
    }

    static func sourceChart(_ data: DashboardData) -> String {
        let top = data.sources.prefix(8)
        let bars = top.map {
            ChartBar(
                label: $0.source, value: Double($0.visitors), part: Double($0.signUps),
                note: "\(NumberText.count($0.visitors)) · \(NumberText.count($0.signUps)) signed up")
        }
        let summary = top.map { "\($0.source): \(NumberText.count($0.visitors)) visitors, \(NumberText.count($0.signUps)) sign-ups" }
            .joined(separator: "; ")
        return SVGCharts.horizontalBars(
            id: "sources", title: "Top sources", summary: summary.isEmpty ? "No visits in this period." : summary + ".", bars: Array(bars),
            legend: ("Visitors", "Signed up"), emptyMessage: "No visits in this period", width: 640)
    }

    static func retentionChart(_ data: DashboardData) -> String {
        let cohorts = data.retention.cohorts.filter { $0.size > 0 }.suffix(12)
        let periods = min(cohorts.map(\.retained.count).max() ?? 0, 9)
        let columns = (0..<periods).map { $0 == 0 ? "Week 0" : "+\($0)" }
        let today = DashboardRange.key(data.today)
        let rows = cohorts.map { cohort in
            HeatRow(
                label: "\(DashboardRange.shortLabel(cohort.start)) · \(NumberText.count(cohort.size))",
                shares: (0..<periods).map { period in
                    // A week that has not begun yet has no retention, not 0 %.
                    guard period < cohort.retained.count, self.weekStart(cohort.start, plus: period) <= today else { return nil }
                    return Double(cohort.retained[period]) / Double(cohort.size)
                })
        }
        let summary =
            cohorts.isEmpty
            ? "No new visitors in this period."
            : "\(cohorts.count) weekly cohorts; "
                + (rows.compactMap { $0.shares.count > 1 ? $0.shares[1] : nil }.isEmpty
                    ? "none has a second week yet."
                    : "a week later, \(NumberText.percent(self.mean(rows.compactMap { $0.shares.count > 1 ? $0.shares[1] : nil }))) came back on average.")
        return SVGCharts.heatGrid(
            id: "retention", title: "Weekly retention by first-seen cohort", summary: summary, columns: columns, rows: Array(rows),
            rowHeading: "Cohort · size", emptyMessage: "No new visitors in this period")
    }

    static func ozChart(_ data: DashboardData) -> String {
        let states = data.ozChecks.sorted { ($0.checks, $1.state) > ($1.checks, $0.state) }.prefix(20)
        let bars = states.map {
            ChartBar(label: $0.state, value: Double($0.checks), part: Double($0.designated), note: "\($0.checks) checks, \($0.designated) in an OZ")
        }
        let total = states.reduce(0) { $0 + $1.checks }
        let summary =
            states.isEmpty
            ? "No OZ checks in this period."
            : "\(NumberText.count(total)) checks in \(states.count) states; the most in \(states.first?.state ?? "")."
        return SVGCharts.columns(
            id: "oz-checks", title: "OZ checks by state", summary: summary, bars: Array(bars), legend: ("Checks", "In a designated OZ"),
            emptyMessage: "No OZ checks in this period")
    }

    /// Seed 001's funnel steps as people say them.
    static let stepNames = [
        "listing_viewed": "Viewed a listing",
        "listing_details_opened": "Opened details",
        "documents_downloaded": "Downloaded documents",
        "investment.committed": "Committed",
        "investment.funded": "Funded",
    ]

    /// `yyyy-MM-dd` of the week `weeks` after `start`.
    private static func weekStart(_ start: String, plus weeks: Int) -> String {
        let parts = start.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = DashboardRange.calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
        else { return start }
        return DashboardRange.key(date + Double(weeks * 7) * DashboardRange.day)
    }

    private static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    // MARK: Styles

    /// A calm system-font page: an 8-pixel spacing grid, one accent (indigo, 4.5:1 or better on
    /// white for text), green and red only for change, tabular numbers so figures line up.
    static let styles = """
        :root{--ink:#111827;--muted:#4b5563;--faint:#6b7280;--line:#e5e7eb;--bg:#f5f6fa;--card:#fff;--accent:#4f46e5;--accent-soft:#c7d2fe}
        *{box-sizing:border-box}
        body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;font-variant-numeric:tabular-nums}
        .top{display:flex;flex-wrap:wrap;gap:24px;justify-content:space-between;align-items:flex-end;padding:32px 40px 8px;max-width:1320px;margin:0 auto}
        .eyebrow{margin:0 0 4px;color:var(--accent);font-weight:600;font-size:13px;letter-spacing:.04em;text-transform:uppercase}
        h1{margin:0;font-size:28px;line-height:1.2;font-weight:700;letter-spacing:-.01em}
        .subtitle{margin:6px 0 0;color:var(--muted)}
        .picker{display:flex;flex-wrap:wrap;gap:12px;align-items:center}
        .presets{display:flex;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:3px}
        .preset{padding:6px 12px;border-radius:7px;color:var(--muted);text-decoration:none;font-weight:500}
        .preset:hover{color:var(--ink);background:var(--bg)}
        .preset[aria-current]{background:var(--accent);color:#fff}
        form{display:flex;gap:8px;align-items:center;color:var(--muted);font-size:14px}
        input{font:inherit;padding:5px 8px;border:1px solid var(--line);border-radius:8px;background:var(--card);color:var(--ink)}
        button{font:inherit;font-weight:600;padding:6px 14px;border:0;border-radius:8px;background:var(--ink);color:#fff;cursor:pointer}
        main,footer{max-width:1320px;margin:0 auto;padding:16px 40px}
        .kpis{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:16px}
        .kpi,.panel{background:var(--card);border:1px solid var(--line);border-radius:14px;box-shadow:0 1px 2px rgba(17,24,39,.04)}
        .kpi{padding:18px 20px}
        .kpi h2{margin:0;font-size:13px;font-weight:600;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
        .kpi .value{margin:6px 0 4px;font-size:34px;line-height:1.1;font-weight:700;letter-spacing:-.02em}
        .delta{margin:0;font-size:13px}
        .change{display:inline-block;padding:1px 8px;border-radius:999px;font-weight:600}
        .change.up{background:#ecfdf5;color:#047857}.change.down{background:#fef2f2;color:#b91c1c}.change.flat{background:#f3f4f6;color:var(--muted)}
        .muted{color:var(--faint)}
        .panels{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-top:16px}
        .panel{padding:20px 24px 16px;min-width:0}
        .panel.wide{grid-column:1/-1}
        .panel h2{margin:0;font-size:17px;font-weight:650}
        .caption{margin:2px 0 14px;color:var(--muted);font-size:14px}
        svg.chart{display:block;width:100%;height:auto;overflow:visible}
        .grid{stroke:var(--line);stroke-width:1}
        .axis{fill:var(--faint);font-size:12px}
        .label{fill:#374151;font-size:13px}
        .value{fill:var(--ink);font-size:13px;font-weight:600}
        .note{fill:#b91c1c;font-size:12px}
        .line{fill:none;stroke:var(--accent);stroke-width:2.5;stroke-linejoin:round;stroke-linecap:round}
        .area{fill:var(--accent);fill-opacity:.12}
        .dot{fill:var(--accent)}
        .bar{fill:var(--accent)}.bar-soft{fill:var(--accent-soft)}.track{fill:#f3f4f6}.lost{fill:#fecaca}
        .cell-text{font-size:12px;font-weight:600}
        .empty-box{fill:#f9fafb;stroke:var(--line);stroke-dasharray:6 6}
        .empty{fill:var(--faint);font-size:15px}
        footer{color:var(--muted);font-size:14px;padding-bottom:40px}
        footer a{color:var(--accent);margin-right:14px;font-weight:500}
        @media (max-width:900px){.kpis{grid-template-columns:repeat(2,minmax(0,1fr))}.panels{grid-template-columns:1fr}.top,main,footer{padding-left:16px;padding-right:16px}}
        @media print{body{background:#fff}.picker{display:none}}
        """
}
