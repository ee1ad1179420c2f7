import Foundation

/// One value on a chart's category axis (a day, a state, a source).
struct ChartBar: Equatable {
    var label: String
    var value: Double
    /// A part of `value` drawn over it in the strong colour (designated OZ checks, sign-ups among
    /// visitors); nil draws `value` alone in the strong colour.
    var part: Double?
    /// The text after the bar or above it; defaults to `value` as a count.
    var note: String?

    init(label: String, value: Double, part: Double? = nil, note: String? = nil) {
        self.label = label
        self.value = value
        self.part = part
        self.note = note
    }
}

/// One funnel step as drawn: how many reached it and how many of the previous step did not.
struct FunnelBarStep: Equatable {
    var name: String
    var actors: Double
    var conversionFromPrevious: Double
    var conversionFromFirst: Double
    var dropOff: Double
}

/// One retention cohort's row: its label and, per period, the share of the cohort active (nil
/// where the period has not happened yet).
struct HeatRow: Equatable {
    var label: String
    var shares: [Double?]
}

/// The dashboard's charts, each a function of plain numbers to an SVG string: no I/O, no state,
/// escaped text, and geometry that survives empty, NaN, negative and absurdly large input. Colours
/// come from CSS classes (`DashboardPage.styles`), except the heat grid's computed fills.
///
/// Each SVG is `role="img"` with a `<title>` and `<desc>` named by `aria-labelledby`, and carries
/// `data-chart` (its id) and, when there is nothing to draw, `data-empty="true"` with a message.
enum SVGCharts {
    /// The default drawing width; half-width panels draw narrower so text keeps its size on screen.
    static let width = 960.0

    // MARK: Line (sign-ups over time)

    /// An area-under-line chart of `points` evenly spaced left to right, with a zero-based value
    /// axis and about six category labels.
    static func line(
        id: String, title: String, summary: String, points: [ChartBar], emptyMessage: String, width: Double = SVGCharts.width,
        height: Double = 260
    ) -> String {
        let values = points.map { ChartScale.clean($0.value) }
        guard values.contains(where: { $0 > 0 }) else {
            return self.empty(id: id, title: title, message: emptyMessage, width: width, height: height)
        }
        let (left, right, top, bottom) = (52.0, 20.0, 16.0, 34.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let scale = ChartScale(values: values)
        func x(_ index: Int) -> Double {
            points.count == 1 ? left + plotWidth / 2 : left + Double(index) * plotWidth / Double(points.count - 1)
        }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - scale.fraction(value)) }

        var body = self.valueGrid(scale, left: left, right: width - right, y: y)
        let line = values.enumerated().map { index, value in "\(index == 0 ? "M" : "L")\(svgNumber(x(index))) \(svgNumber(y(value)))" }
        let base = svgNumber(top + plotHeight)
        let area = line.joined(separator: " ") + " L\(svgNumber(x(values.count - 1))) \(base) L\(svgNumber(x(0))) \(base) Z"
        body += #"<path class="area" d="\#(area)"/>"#
        body += #"<path class="line" d="\#(line.joined(separator: " "))"/>"#
        // Each point's value on hover (an SVG <title> is the native tooltip), on a dot.
        for (index, point) in points.enumerated() {
            let label = HTMLText.escape("\(point.label): \(point.note ?? NumberText.count(values[index]))")
            body +=
                #"<circle class="dot" cx="\#(svgNumber(x(index)))" cy="\#(svgNumber(y(values[index])))" r="\#(points.count > 45 ? 2 : 3)"><title>\#(label)</title></circle>"#
        }
        let stride = max(1, Int((Double(points.count) / 6).rounded(.up)))
        for index in Swift.stride(from: 0, to: points.count, by: stride) {
            let anchor = points.count == 1 ? "middle" : index == 0 ? "start" : "middle"
            body +=
                #"<text class="axis" x="\#(svgNumber(x(index)))" y="\#(svgNumber(height - 10))" text-anchor="\#(anchor)">\#(HTMLText.escape(HTMLText.short(points[index].label, 12)))</text>"#
        }
        return self.frame(id: id, title: title, summary: summary, width: width, height: height, body: body)
    }

    // MARK: Columns (OZ checks by state)

    /// Vertical bars, one per item, with the value above each and `part` drawn over it.
    static func columns(
        id: String, title: String, summary: String, bars: [ChartBar], legend: (whole: String, part: String)?, emptyMessage: String,
        width: Double = SVGCharts.width, height: Double = 260
    ) -> String {
        let values = bars.map { ChartScale.clean($0.value) }
        guard values.contains(where: { $0 > 0 }) else {
            return self.empty(id: id, title: title, message: emptyMessage, width: width, height: height)
        }
        let (left, right, top, bottom) = (52.0, 20.0, legend == nil ? 24.0 : 40.0, 30.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let scale = ChartScale(values: values)
        func y(_ value: Double) -> Double { top + plotHeight * (1 - scale.fraction(value)) }
        var body = self.valueGrid(scale, left: left, right: width - right, y: y)
        if let legend {
            body += self.legend([("bar-soft", legend.whole), ("bar", legend.part)], y: 14)
        }
        let band = plotWidth / Double(bars.count)
        let barWidth = min(band * 0.66, 56)
        for (index, bar) in bars.enumerated() {
            let x = left + band * Double(index) + (band - barWidth) / 2
            let value = values[index]
            let part = bar.part.map { min(ChartScale.clean($0), value) }
            let label = HTMLText.escape("\(bar.label): \(bar.note ?? NumberText.count(value))")
            body += "<g><title>\(label)</title>"
            body += self.rect(class: part == nil ? "bar" : "bar-soft", x: x, y: y(value), width: barWidth, height: top + plotHeight - y(value))
            if let part {
                body += self.rect(class: "bar", x: x, y: y(part), width: barWidth, height: top + plotHeight - y(part))
            }
            body +=
                #"<text class="value" x="\#(svgNumber(x + barWidth / 2))" y="\#(svgNumber(y(value) - 6))" text-anchor="middle">\#(HTMLText.escape(NumberText.axis(value)))</text>"#
            body +=
                #"<text class="axis" x="\#(svgNumber(x + barWidth / 2))" y="\#(svgNumber(height - 10))" text-anchor="middle">\#(HTMLText.escape(HTMLText.short(bar.label, 8)))</text>"#
            body += "</g>"
        }
        return self.frame(id: id, title: title, summary: summary, width: width, height: height, body: body)
    }

    // MARK: Horizontal bars (top sources)

    /// One row per item, longest first as given, the label on the left and the note on the right.
    static func horizontalBars(
        id: String, title: String, summary: String, bars: [ChartBar], legend: (whole: String, part: String)?, emptyMessage: String,
        width: Double = SVGCharts.width
    ) -> String {
        let values = bars.map { ChartScale.clean($0.value) }
        guard values.contains(where: { $0 > 0 }) else {
            return self.empty(id: id, title: title, message: emptyMessage, width: width, height: 200)
        }
        let (labelWidth, noteWidth, rowHeight) = (150.0, 190.0, 30.0)
        let top = legend == nil ? 8.0 : 34.0
        let height = top + rowHeight * Double(bars.count) + 8
        let scale = ChartScale(values: values)
        let trackWidth = width - labelWidth - noteWidth
        var body = legend.map { self.legend([("bar-soft", $0.whole), ("bar", $0.part)], y: 14) } ?? ""
        for (index, bar) in bars.enumerated() {
            let y = top + rowHeight * Double(index)
            let value = values[index]
            let part = bar.part.map { min(ChartScale.clean($0), value) }
            // A non-zero value gets at least a sliver, so "1 visitor" is visible next to thousands.
            let width = value > 0 ? max(trackWidth * scale.fraction(value), 2) : 0
            body += "<g><title>\(HTMLText.escape("\(bar.label): \(bar.note ?? NumberText.count(value))"))</title>"
            body +=
                #"<text class="label" x="\#(svgNumber(labelWidth - 12))" y="\#(svgNumber(y + 19))" text-anchor="end">\#(HTMLText.escape(HTMLText.short(bar.label, 20)))</text>"#
            body += self.rect(class: "track", x: labelWidth, y: y + 5, width: trackWidth, height: 20)
            body += self.rect(class: part == nil ? "bar" : "bar-soft", x: labelWidth, y: y + 5, width: width, height: 20)
            if let part, part > 0 {
                body += self.rect(class: "bar", x: labelWidth, y: y + 5, width: max(trackWidth * scale.fraction(part), 2), height: 20)
            }
            body +=
                #"<text class="value" x="\#(svgNumber(labelWidth + trackWidth + 12))" y="\#(svgNumber(y + 19))">\#(HTMLText.escape(bar.note ?? NumberText.count(value)))</text>"#
            body += "</g>"
        }
        return self.frame(id: id, title: title, summary: summary, width: width, height: height, body: body)
    }

    // MARK: Funnel

    /// Steps as bars scaled to the first, each drawn over the previous step's length so the part
    /// that dropped off shows as a pale remainder, with the step's conversion and drop-off beside it.
    static func funnel(
        id: String, title: String, summary: String, steps: [FunnelBarStep], emptyMessage: String, width: Double = SVGCharts.width
    ) -> String {
        let counts = steps.map { ChartScale.clean($0.actors) }
        guard let first = counts.first, first > 0 else {
            return self.empty(id: id, title: title, message: emptyMessage, width: width, height: 200)
        }
        let (labelWidth, noteWidth, rowHeight, top) = (190.0, 230.0, 52.0, 6.0)
        let trackWidth = width - labelWidth - noteWidth
        let height = top + rowHeight * Double(steps.count)
        let scale = ChartScale(values: [first])
        func length(_ value: Double) -> Double { value > 0 ? max(trackWidth * min(value / scale.maximum, 1), 2) : 0 }
        var body = ""
        for (index, step) in steps.enumerated() {
            let y = top + rowHeight * Double(index)
            let reached = counts[index]
            let previous = index == 0 ? reached : counts[index - 1]
            let share = first > 0 ? reached / first : 0
            body +=
                "<g><title>\(HTMLText.escape("\(step.name): \(NumberText.count(reached)) (\(NumberText.percent(share)) of the first step)"))</title>"
            body +=
                #"<text class="label" x="\#(svgNumber(labelWidth - 12))" y="\#(svgNumber(y + 21))" text-anchor="end">\#(HTMLText.escape(HTMLText.short(step.name, 24)))</text>"#
            body += self.rect(class: "track", x: labelWidth, y: y + 6, width: trackWidth, height: 22)
            if index > 0 {
                body += self.rect(class: "lost", x: labelWidth, y: y + 6, width: length(previous), height: 22)
            }
            body += self.rect(class: "bar", x: labelWidth, y: y + 6, width: length(reached), height: 22)
            body +=
                #"<text class="value" x="\#(svgNumber(labelWidth + trackWidth + 12))" y="\#(svgNumber(y + 21))">\#(HTMLText.escape(NumberText.count(reached))) · \#(HTMLText.escape(NumberText.percent(share)))</text>"#
            if index > 0 {
                let dropped = ChartScale.clean(step.dropOff)
                let note = "\(NumberText.percent(ChartScale.clean(step.conversionFromPrevious))) continued · \(NumberText.count(dropped)) dropped off"
                body +=
                    #"<text class="note" x="\#(svgNumber(labelWidth))" y="\#(svgNumber(y + 44))">\#(HTMLText.escape(note))</text>"#
            }
            body += "</g>"
        }
        return self.frame(id: id, title: title, summary: summary, width: width, height: height, body: body)
    }

    // MARK: Heat grid (retention)

    /// A grid of shares (0...1), one row per cohort, coloured from pale to deep with the percentage
    /// in each cell; nil cells (periods still to come) are left blank.
    static func heatGrid(
        id: String, title: String, summary: String, columns: [String], rows: [HeatRow], rowHeading: String, emptyMessage: String,
        width: Double = SVGCharts.width
    ) -> String {
        guard !rows.isEmpty, !columns.isEmpty else {
            return self.empty(id: id, title: title, message: emptyMessage, width: width, height: 200)
        }
        let (labelWidth, headerHeight, rowHeight) = (170.0, 30.0, 30.0)
        let cellWidth = min((width - labelWidth) / Double(columns.count), 90)
        let height = headerHeight + rowHeight * Double(rows.count) + 4
        var body =
            #"<text class="axis" x="0" y="20">\#(HTMLText.escape(rowHeading))</text>"#
        for (index, column) in columns.enumerated() {
            body +=
                #"<text class="axis" x="\#(svgNumber(labelWidth + cellWidth * (Double(index) + 0.5)))" y="20" text-anchor="middle">\#(HTMLText.escape(HTMLText.short(column, 10)))</text>"#
        }
        for (rowIndex, row) in rows.enumerated() {
            let y = headerHeight + rowHeight * Double(rowIndex)
            body +=
                #"<text class="label" x="0" y="\#(svgNumber(y + 19))">\#(HTMLText.escape(HTMLText.short(row.label, 24)))</text>"#
            for (index, share) in row.shares.prefix(columns.count).enumerated() {
                guard let share else { continue }
                let clean = min(ChartScale.clean(share), 1)
                let x = labelWidth + cellWidth * Double(index)
                let (fill, ink) = self.heatColour(clean)
                body += "<g><title>\(HTMLText.escape("\(row.label), \(columns[index]): \(NumberText.percent(clean))"))</title>"
                body +=
                    #"<rect class="cell" x="\#(svgNumber(x + 1))" y="\#(svgNumber(y + 1))" width="\#(svgNumber(cellWidth - 2))" height="\#(svgNumber(rowHeight - 2))" rx="3" fill="\#(fill)"/>"#
                body +=
                    #"<text class="cell-text" x="\#(svgNumber(x + cellWidth / 2))" y="\#(svgNumber(y + 19))" text-anchor="middle" fill="\#(ink)">\#(NumberText.percent(clean))</text>"#
                body += "</g>"
            }
        }
        return self.frame(id: id, title: title, summary: summary, width: width, height: height, body: body)
    }

    /// From a pale to a deep indigo; the square root lifts the small shares retention is made of
    /// (5–30 %) out of the pale end. Text turns white where the fill is dark enough for 4.5:1.
    static func heatColour(_ share: Double) -> (fill: String, ink: String) {
        let t = share.squareRoot()
        let pale = (238.0, 242.0, 255.0)
        let deep = (49.0, 46.0, 129.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * t).rounded()) }
        let fill = "rgb(\(mix(pale.0, deep.0)),\(mix(pale.1, deep.1)),\(mix(pale.2, deep.2)))"
        return (fill, t > 0.55 ? "#ffffff" : "#1e1b4b")
    }

    // MARK: Parts

    /// The SVG element around a chart's body, sized to the page's width by CSS.
    static func frame(id: String, title: String, summary: String, width: Double, height: Double, body: String, empty: Bool = false) -> String {
        let id = self.safeID(id)
        return
            #"<svg class="chart" data-chart="\#(id)"\#(empty ? #" data-empty="true""# : "") xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(svgNumber(width)) \#(svgNumber(height))" role="img" aria-labelledby="\#(id)-title \#(id)-desc"><title id="\#(id)-title">\#(HTMLText.escape(title))</title><desc id="\#(id)-desc">\#(HTMLText.escape(summary))</desc>\#(body)</svg>"#
    }

    /// A chart with nothing to draw: its frame with the message in the middle.
    static func empty(id: String, title: String, message: String, width: Double, height: Double) -> String {
        let body =
            #"<rect class="empty-box" x="1" y="1" width="\#(svgNumber(width - 2))" height="\#(svgNumber(height - 2))" rx="8"/><text class="empty" x="\#(svgNumber(width / 2))" y="\#(svgNumber(height / 2 + 5))" text-anchor="middle">\#(HTMLText.escape(message))</text>"#
        return self.frame(id: id, title: title, summary: message, width: width, height: height, body: body, empty: true)
    }

    /// Horizontal grid lines at the scale's ticks with their labels on the left.
    private static func valueGrid(_ scale: ChartScale, left: Double, right: Double, y: (Double) -> Double) -> String {
        scale.ticks.map { tick in
            let position = svgNumber(y(tick))
            return
                #"<line class="grid" x1="\#(svgNumber(left))" x2="\#(svgNumber(right))" y1="\#(position)" y2="\#(position)"/><text class="axis" x="\#(svgNumber(left - 8))" y="\#(svgNumber(y(tick) + 4))" text-anchor="end">\#(NumberText.axis(tick))</text>"#
        }.joined()
    }

    private static func legend(_ entries: [(class: String, label: String)], y: Double) -> String {
        var x = 0.0
        var out = ""
        for entry in entries {
            out += self.rect(class: entry.class, x: x, y: y - 10, width: 12, height: 12)
            out += #"<text class="axis" x="\#(svgNumber(x + 18))" y="\#(svgNumber(y))">\#(HTMLText.escape(entry.label))</text>"#
            x += 18 + Double(entry.label.count) * 7.5 + 20
        }
        return out
    }

    private static func rect(class name: String, x: Double, y: Double, width: Double, height: Double) -> String {
        #"<rect class="\#(name)" x="\#(svgNumber(x))" y="\#(svgNumber(y))" width="\#(svgNumber(max(width, 0)))" height="\#(svgNumber(max(height, 0)))" rx="3"/>"#
    }

    /// Ids go into attributes and `aria-labelledby`, so only `[a-z0-9-]`.
    static func safeID(_ id: String) -> String {
        let kept = id.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        return kept.isEmpty ? "chart" : String(String.UnicodeScalarView(kept))
    }
}
