/// One page of a cursor-paginated list (ARCHITECTURE.md, "Lists"):
/// `{"data": [...], "next_cursor": "..." | null}`.
public struct Page<Item: Codable & Sendable>: Codable, Sendable {
    public var data: [Item]
    public var nextCursor: String?

    public init(data: [Item], nextCursor: String?) {
        self.data = data
        self.nextCursor = nextCursor
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.data, forKey: .data)
        // `null` is part of the contract: clients test for it to stop paging.
        try container.encode(self.nextCursor, forKey: .nextCursor)
    }
}
