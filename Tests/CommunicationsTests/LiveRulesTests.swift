import Foundation
import Testing

@testable import CommunicationsService

/// The live stream's pure parts: framing, resume points, where a stream starts, NOTIFY payloads.
@Suite struct LiveRulesTests {
    @Test func eventsAreFramedOnOneLineEach() {
        #expect(ServerSentEvents.event(id: 7, event: "notification", data: #"{"a": 1}"#) == "id: 7\nevent: notification\ndata: {\"a\": 1}\n\n")
        #expect(ServerSentEvents.event(id: nil, event: "end\nid: 9", data: "x\r\ny") == "event: endid: 9\ndata: xy\n\n")
        #expect(ServerSentEvents.comment("keep-alive") == ": keep-alive\n\n")
    }

    @Test func theHeaderWinsOverTheQueryAndBadValuesNameTheirField() {
        #expect(ServerSentEvents.resumePoint(lastEventID: "5", after: "1") == .success(5))
        #expect(ServerSentEvents.resumePoint(lastEventID: nil, after: "3") == .success(3))
        #expect(ServerSentEvents.resumePoint(lastEventID: "", after: nil) == .success(nil))
        #expect(ServerSentEvents.resumePoint(lastEventID: nil, after: nil) == .success(nil))
        #expect(ServerSentEvents.resumePoint(lastEventID: "-1", after: nil) == .failure(.init(field: "Last-Event-ID")))
        #expect(ServerSentEvents.resumePoint(lastEventID: nil, after: "1e3") == .failure(.init(field: "after")))
        #expect(ServerSentEvents.resumePoint(lastEventID: nil, after: "99999999999999999999") == .failure(.init(field: "after")))
        // An empty header (an EventSource that saw no id) leaves the query to say where to resume.
        #expect(ServerSentEvents.resumePoint(lastEventID: "", after: "4") == .success(4))
        // A malformed query is refused even when a header is there to resume from.
        #expect(ServerSentEvents.resumePoint(lastEventID: "", after: "null") == .failure(.init(field: "after")))
        #expect(ServerSentEvents.resumePoint(lastEventID: "5", after: "null") == .failure(.init(field: "after")))
    }

    @Test func aStreamStartsAfterWhatTheClientSawOrSaysWhyNot() {
        let position = LiveResume.Position(head: 10, oldestKept: 4)
        #expect(LiveResume.start(requested: nil, position: position) == .init(after: 10, reset: nil))
        #expect(LiveResume.start(requested: 3, position: position) == .init(after: 3, reset: nil))
        #expect(LiveResume.start(requested: 7, position: position) == .init(after: 7, reset: nil))
        #expect(LiveResume.start(requested: 2, position: position) == .init(after: 3, reset: "purged"))
        #expect(LiveResume.start(requested: 11, position: position) == .init(after: 10, reset: "unknown_id"))
        // Everything purged: start at the head.
        #expect(LiveResume.start(requested: 2, position: .init(head: 10, oldestKept: nil)) == .init(after: 10, reset: "purged"))
        #expect(LiveResume.start(requested: 10, position: .init(head: 10, oldestKept: nil)) == .init(after: 10, reset: nil))
        #expect(LiveResume.start(requested: 0, position: .init(head: 0, oldestKept: nil)) == .init(after: 0, reset: nil))
    }

    @Test func notifyPayloadsAreUserSequencePairs() {
        let (a, b) = (UUID(), UUID())
        let parsed = LiveNotice.parse("\(a.uuidString.lowercased()):3,junk,\(b.uuidString.lowercased()):12,x:1")
        #expect(parsed.map(\.user) == [a, b])
        #expect(parsed.map(\.seq) == [3, 12])
    }

    @Test func theHubReplacesAUsersOldestAndCountsStreamsInAll() async {
        let hub = LiveHub(maxPerUser: 2, maxTotal: 3)
        let (alice, bob) = (UUID(), UUID())
        guard case .success(let first) = hub.open(alice), case .success(let second) = hub.open(alice),
            case .success(let third) = hub.open(alice)
        else {
            Issue.record("a user at their limit is never refused")
            return
        }
        #expect(hub.openStreams == 2)
        var firstWakes = first.wakes.makeAsyncIterator()
        #expect(await firstWakes.next() == LiveHub.Wake(end: "replaced"))
        #expect(await firstWakes.next() == nil)
        guard case .success = hub.open(bob) else {
            Issue.record("bob's first stream must open")
            return
        }
        #expect(hub.admits(bob) == .tooManyForReplica)
        #expect(hub.admits(alice) == nil)
        hub.close(first)
        #expect(hub.openStreams == 3)
        hub.close(second)
        hub.close(third)
        #expect(hub.openStreams == 1)
    }
}

extension LiveRulesTests {
    @Test func aStreamTakesHandedRowsOnlyWhenTheyFollowItsCursor() {
        func rows(_ seqs: [Int64]) -> [LiveFeedReader.Row] { seqs.map { LiveFeedReader.Row(seq: $0, kind: "k", payload: "{}") } }
        #expect(LiveHub.Wake().rows(after: 3) == nil)
        #expect(LiveHub.Wake(rows: rows([4])).rows(after: 3) == rows([4]))
        #expect(LiveHub.Wake(rows: rows([4, 5])).rows(after: 3) == rows([4, 5]))
        // Already sent (the stream read the table first): nothing to do, no read.
        #expect(LiveHub.Wake(rows: rows([3])).rows(after: 3) == [])
        #expect(LiveHub.Wake(rows: rows([2, 3, 4])).rows(after: 3) == rows([4]))
        // A gap (a coalesced wake, or several items for one user in one append): read the table.
        #expect(LiveHub.Wake(rows: rows([5])).rows(after: 3) == nil)
        #expect(LiveHub.Wake(rows: rows([4, 6])).rows(after: 3) == nil)
    }
}
