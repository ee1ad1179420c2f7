import Foundation
import Testing

@testable import ServiceKit

/// Issue 19: request, trace and span ids come from one seeded generator instead of a system call
/// each. They must still read as the ids they replace and never repeat.
@Suite struct RequestIdentifiersTests {
    @Test func newRequestIDsAreVersion4UUIDsInLowercaseAndDoNotRepeat() throws {
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let text = RequestIdentifiers.uuidText()
            let uuid = try #require(UUID(uuidString: text), "\(text)")
            #expect(text == uuid.uuidString.lowercased())
            #expect(uuid.uuid.6 >> 4 == 4, "version nibble of \(text)")
            #expect(uuid.uuid.8 >> 6 == 0b10, "variant bits of \(text)")
            seen.insert(text)
        }
        #expect(seen.count == 20_000)
    }

    @Test func newTracesAreValidW3CHeadersThatDoNotRepeat() throws {
        var traces = Set<String>()
        var spans = Set<String>()
        for _ in 0..<10_000 {
            let trace = TraceParent.random()
            let parsed = try #require(TraceParent(header: trace.description), "\(trace.description)")
            #expect(parsed.traceID == trace.traceID && parsed.traceID.utf8.count == 32)
            traces.insert(trace.traceID)
            spans.insert(trace.child().parentID)
        }
        #expect(traces.count == 10_000 && spans.count == 10_000)
    }
}
