import Foundation

extension FunnelBreakdown {
    /// `value` is written as `null` when the first step's event had no such property (as its
    /// documentation says), not left out: a CSV or chart row for "none" needs the key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.value, forKey: .value)
        try container.encode(self.steps, forKey: .steps)
    }

    enum CodingKeys: String, CodingKey {
        case value, steps
    }
}
