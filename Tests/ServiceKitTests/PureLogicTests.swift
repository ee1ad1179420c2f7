import Foundation
import Models
import Testing

@testable import ServiceKit

@Suite struct TraceParentTests {
    @Test func acceptsAValidHeaderAndContinuesItsTrace() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parent = try #require(TraceParent(header: header))
        #expect(parent.description == header)
        let child = parent.child()
        #expect(child.traceID == parent.traceID)
        #expect(child.parentID != parent.parentID)
    }

    @Test(arguments: [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ])
    func rejectsMalformedHeaders(header: String) {
        #expect(TraceParent(header: header) == nil)
    }
}

@Suite struct RetryScheduleTests {
    @Test func doublesUpToTheCeiling() {
        let schedule = RetrySchedule(base: .seconds(1), maximum: .seconds(10))
        #expect((1...6).map { schedule.ceiling(afterAttempts: $0) } == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        #expect(schedule.ceiling(afterAttempts: 10_000) == .seconds(10))
    }

    @Test func jitterStaysInTheUpperHalf() {
        let schedule = RetrySchedule(base: .seconds(1), maximum: .seconds(60))
        var generator = SystemRandomNumberGenerator()
        for attempts in 1...8 {
            let delay = schedule.delay(afterAttempts: attempts, using: &generator)
            let ceiling = schedule.ceiling(afterAttempts: attempts)
            #expect(delay <= ceiling && delay >= ceiling / 2)
        }
    }
}

@Suite struct ModelsTests {
    @Test func uuidV7IsTimeOrderedAndVersioned() {
        let earlier = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let later = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(earlier.uuidString < later.uuidString)
        #expect(earlier.uuidString.dropFirst(14).first == "7")
        #expect(["8", "9", "A", "B"].contains(earlier.uuidString.dropFirst(19).first.map(String.init) ?? ""))
    }

    @Test func pagesAlwaysCarryNextCursor() throws {
        let json = String(decoding: try JSONEncoder.tract.encode(Page(data: [1, 2], nextCursor: nil)), as: UTF8.self)
        #expect(json == #"{"data":[1,2],"next_cursor":null}"#)
    }

    @Test func timestampsAreRFC3339UTC() throws {
        struct Stamp: Codable { var createdAt: Date }
        let json = String(decoding: try JSONEncoder.tract.encode(Stamp(createdAt: Date(timeIntervalSince1970: 0))), as: UTF8.self)
        #expect(json == #"{"created_at":"1970-01-01T00:00:00.000Z"}"#)
        let decoded = try JSONDecoder.tract.decode(Stamp.self, from: Data(#"{"created_at":"2026-11-22T10:00:00+01:00"}"#.utf8))
        #expect(decoded.createdAt == Date(timeIntervalSince1970: 1_795_338_000))
    }

    @Test func fieldPathsAreSnakeCaseWithIndexes() {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int?
            init(stringValue: String) { self.stringValue = stringValue }
            init(intValue: Int) {
                self.stringValue = "\(intValue)"
                self.intValue = intValue
            }
        }
        let path: [any CodingKey] = [Key(stringValue: "lineItems"), Key(intValue: 2), Key(stringValue: "unitPrice")]
        #expect(Problem.fieldPath(path) == "line_items[2].unit_price")
    }
}
