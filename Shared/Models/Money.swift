/// An amount of US dollars, exact to the cent (ARCHITECTURE.md: integer cents in code, a decimal
/// string with two places on the wire, `numeric(15,2)` in SQL — never a binary float).
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var cents: Int64

    public init(cents: Int64) {
        self.cents = cents
    }

    /// `numeric(15,2)` holds up to 13 digits before the point.
    public static let maximum = Money(cents: 999_999_999_999_999)

    /// Parses `"250000"`, `"250000.5"` or `"250000.50"`; refuses signs other than a leading `-`,
    /// exponents, separators, more than two decimals and amounts beyond `numeric(15,2)`.
    public init?(_ text: some StringProtocol) {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 13, whole.allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        var fraction = parts.count == 2 ? parts[1] : "00"
        guard (1...2).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        if fraction.count == 1 { fraction += "0" }
        guard let dollars = Int64(whole), let centsPart = Int64(fraction) else { return nil }
        self.cents = (dollars * 100 + centsPart) * (negative ? -1 : 1)
    }

    /// `"250000.00"`.
    public var description: String {
        let magnitude = self.cents.magnitude
        let fraction = magnitude % 100
        return "\(self.cents < 0 ? "-" : "")\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents - rhs.cents) }
    public static let zero = Money(cents: 0)
}

extension Money: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // A JSON number would pass through a Double on the way in; amounts are strings.
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.typeMismatch(
                Money.self,
                .init(codingPath: decoder.codingPath, debugDescription: "expected an amount as a string such as \"250000.00\"")
            )
        }
        guard let money = Money(text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "expected an amount such as \"250000.00\": digits, at most two decimals"
            )
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.description)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}

extension Money {
    /// `$1,250,000.00`, for sentences and statements; the wire
    /// format stays `description`.
    public var dollars: String {
        let magnitude = self.cents.magnitude
        var whole = String(magnitude / 100)
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        let fraction = magnitude % 100
        return "\(self.cents < 0 ? "-" : "")$\(whole)\(grouped).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
