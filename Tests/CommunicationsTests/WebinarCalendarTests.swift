import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// The `.ics` of a registration: RFC 5545 as a real parser (Python's `icalendar`) reads it, for
/// its registrant only.
@Suite struct WebinarCalendarTests {
    /// What `icalendar` reads back from a file: the VEVENT's fields as JSON.
    static let reader = """
        import json, sys
        from icalendar import Calendar
        data = open(sys.argv[1], 'rb').read()
        calendar = Calendar.from_ical(data)
        events = [c for c in calendar.walk('VEVENT')]
        assert len(events) == 1, len(events)
        e = events[0]
        print(json.dumps({
            'uid': str(e['UID']), 'summary': str(e['SUMMARY']), 'description': str(e.get('DESCRIPTION', '')),
            'location': str(e.get('LOCATION', '')), 'url': str(e.get('URL', '')), 'status': str(e['STATUS']),
            'sequence': int(e['SEQUENCE']),
            'start': e.decoded('DTSTART').isoformat(), 'end': e.decoded('DTEND').isoformat(),
            'stamp': e.decoded('DTSTAMP').isoformat(), 'version': str(calendar['VERSION']),
        }))
        """

    @Test func aRegistrantsCalendarFileReadsBackExactly() async throws {
        try await WebinarFixture.run { fixture in
            let staff = try await fixture.user([.admin])
            let (ann, bob) = (try await fixture.user(), try await fixture.user())
            // A title and description with every character TEXT must escape, and long enough to fold.
            let title = "Q&A: taxes, deferral; and \\ the 10-year step-up — “OZ” in 2027, explained at length for everyone"
            let description =
                "Line one, with a comma; a semicolon.\nLine two: ünïcödé 😀 — and a backslash \\ too. " + String(repeating: "Long text. ", count: 12)
                + "End."
            let body = try MessagingFixture.json([
                "title": .string(title), "description": .string(description), "kind": .string("hybrid"),
                "starts_at": .string("2028-03-01T15:00:00-05:00"), "ends_at": .string("2028-03-01T16:30:00-05:00"),
                "time_zone": .string("America/New_York"), "venue": .string("Hall 2, 200 Elm St; Prattville"),
                "virtual_url": .string("https://meet.example.com/oz?id=1&p=2"),
            ])
            let created = try await fixture.client.post("/v1/communications/events", body, token: staff.token)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.string("id"))
            _ = try await fixture.client.post("/v1/communications/events/\(id)/publish", "", token: staff.token)
            let registration = try #require(
                try await fixture.client.post("/v1/communications/events/\(id)/registrations", "", token: ann.token).string("id"))
            let path = "/v1/communications/events/\(id)/registrations/\(registration).ics"

            let reply = try await fixture.client.get(path, token: ann.token)
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.headers.first(name: "Content-Type") == "text/calendar; charset=utf-8")
            // CRLF everywhere, no physical line over 75 octets, folded lines start with one space.
            let lines = reply.text.components(separatedBy: "\r\n")
            #expect(lines.last == "")
            #expect(!reply.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            #expect(lines.allSatisfy { $0.utf8.count <= 75 }, "\(lines.map(\.utf8.count))")
            #expect(lines.contains { $0.hasPrefix(" ") })
            #expect(lines.contains("DTSTART:20280301T200000Z"))
            #expect(lines.contains("DTEND:20280301T213000Z"))

            let file = FileManager.default.temporaryDirectory.appendingPathComponent("event-\(UUID()).ics")
            try Data(reply.text.utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let (status, output) = try await RepositoryScripts.run(RepositoryScripts.python, ["-c", Self.reader, file.path])
            #expect(status == 0, "\(output)")
            let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(output.utf8))
            #expect(parsed["uid"] == .string("\(id)@events.tract"))
            #expect(parsed["summary"] == .string(title))
            #expect(parsed["description"] == .string(description + "\n\nJoin: https://meet.example.com/oz?id=1&p=2"))
            #expect(parsed["location"] == .string("Hall 2, 200 Elm St; Prattville"))
            #expect(parsed["url"] == .string("https://meet.example.com/oz?id=1&p=2"))
            #expect(parsed["start"] == .string("2028-03-01T20:00:00+00:00"))
            #expect(parsed["end"] == .string("2028-03-01T21:30:00+00:00"))
            #expect(parsed["status"] == .string("CONFIRMED"))
            #expect(parsed["sequence"] == .number(0))
            #expect(parsed["version"] == .string("2.0"))

            // For the registrant only: the host and others get the 404 of no registration.
            expectProblem(try await fixture.client.get(path, token: bob.token), 404)
            expectProblem(try await fixture.client.get(path, token: staff.token), 404)
            expectProblem(try await fixture.client.get(path, token: nil), 401)
            expectProblem(try await fixture.client.get("/v1/communications/events/\(id)/registrations/\(UUID()).ics", token: ann.token), 404)

            // Moved, then cancelled: the same UID with a higher SEQUENCE, then STATUS:CANCELLED.
            _ = try await fixture.client.send(
                .PATCH, "/v1/communications/events/\(id)", json: #"{"starts_at":"2028-03-01T19:00:00Z"}"#, token: staff.token)
            _ = try await fixture.client.post("/v1/communications/events/\(id)/cancel", "", token: staff.token)
            let later = try await fixture.client.get(path, token: ann.token)
            #expect(later.text.contains("\r\nSEQUENCE:2\r\n"), "\(later.text)")
            #expect(later.text.contains("\r\nSTATUS:CANCELLED\r\n"))
            #expect(later.text.contains("\r\nUID:\(id)@events.tract\r\n"))
            // A cancelled registration has no calendar file.
            _ = try await fixture.client.send(.DELETE, "/v1/communications/events/\(id)/registrations/\(registration)", token: ann.token)
            expectProblem(try await fixture.client.get(path, token: ann.token), 404)
        }
    }

    /// The pure pieces against RFC 5545's own rules.
    @Test func textIsEscapedAndLinesFoldWithoutSplittingCharacters() {
        #expect(EventCalendar.escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf")
        let long = "SUMMARY:" + String(repeating: "é", count: 80)
        let folded = EventCalendar.fold(long)
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.count > 1)
        #expect(parts.allSatisfy { $0.utf8.count <= 75 })
        #expect(parts.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(parts.enumerated().map { $0.offset == 0 ? $0.element : String($0.element.dropFirst()) }.joined() == long)
        #expect(EventCalendar.utc(Date(timeIntervalSince1970: 1_900_000_000.75)) == "20300317T174640Z")
    }
}
