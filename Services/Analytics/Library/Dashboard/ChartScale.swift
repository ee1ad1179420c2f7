import Foundation

/// A value axis from zero to a "nice" maximum with round ticks (0, 25, 50, 75, 100), the way a
/// person would draw it, and the clean-up every chart needs first: counts are never negative,
/// NaN or infinite, whatever the data says.
struct ChartScale: Equatable {
    /// The axis top (≥ the largest value; 1 when every value is zero, so nothing divides by zero).
    let maximum: Double
    /// Tick values from 0 to `maximum` inclusive.
    let ticks: [Double]

    /// The largest finite value a chart takes: beyond it coordinates lose their meaning in a
    /// viewBox, and a corrupt count must not make the page unreadable.
    static let largestValue = 1e15

    init(values: [Double], tickCount: Int = 4) {
        let top = values.map(Self.clean).max() ?? 0
        guard top > 0 else {
            self.maximum = 1
            self.ticks = [0, 1]
            return
        }
        let step = Self.niceStep(top / Double(max(tickCount, 1)))
        let maximum = (top / step).rounded(.up) * step
        self.maximum = maximum
        let count = Int((maximum / step).rounded())
        self.ticks = (0...count).map { Double($0) * step }
    }

    /// `value`'s share of the axis, 0...1.
    func fraction(_ value: Double) -> Double {
        min(max(Self.clean(value) / self.maximum, 0), 1)
    }

    /// A count as a chart may draw it: finite, not negative, at most `largestValue`.
    static func clean(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return value == .infinity ? largestValue : 0 }
        return min(value, largestValue)
    }

    /// 1, 2, 2.5 or 5 times a power of ten, at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
        guard rough > 0, rough.isFinite else { return 1 }
        let power = pow(10, (log10(rough)).rounded(.down))
        for multiple in [1, 2, 2.5, 5, 10] as [Double] where multiple * power >= rough * 0.999_999 {
            // Counts are whole: no ticks at 0.5 when the largest value is 2.
            return max(multiple * power, 1)
        }
        return 10 * power
    }
}

/// A number written into SVG geometry: one decimal, never NaN or an exponent.
func svgNumber(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
}
