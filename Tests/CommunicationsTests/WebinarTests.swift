import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Webinars and events (issue 17): who hosts what, what registrants see, capacity and the waitlist
/// under concurrency, cancellation, check-in and recordings, against a real Postgres and a real
/// properties service.
@Suite struct WebinarTests {
    static let events = "/v1/communications/events"

    /// A sponsor hosts for their own property (asked of properties), staff host platform events;
    /// a draft is the host's alone, and the join link is for those with a seat.
    @Test func sponsorsHostForTheirPropertiesAndDraftsStayPrivate() async throws {
        try await WebinarFixture.run(withProperties: true) { fixture in
            let properties = try #require(fixture.properties)
            let (sponsor, rival, investor, staff) = (
                try await fixture.user([.sponsor]), try await fixture.user([.sponsor]), try await fixture.user(), try await fixture.user([.admin])
            )
            let listed = try await properties.post("/v1/properties", ConversationTests.elm, token: sponsor.token)
            #expect(listed.status == 201, "\(listed.text)")
            let property = try #require(listed.string("id"))

            // Someone else's property (or none at all) is the same refusal; investors host nothing.
            expectProblem(try await fixture.client.post(Self.events, try fixture.webinar(property: property), token: rival.token), 422)
            expectProblem(try await fixture.client.post(Self.events, try fixture.webinar(property: UUID().uuidString), token: sponsor.token), 422)
            expectProblem(try await fixture.client.post(Self.events, try fixture.webinar(), token: sponsor.token), 403)
            expectProblem(try await fixture.client.post(Self.events, try fixture.webinar(property: property), token: investor.token), 403)

            let created = try await fixture.client.post(Self.events, try fixture.webinar(capacity: 2, property: property), token: sponsor.token)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.string("status") == "draft")
            #expect(created.string("property_id") == property)
            #expect(created.string("host_id") == sponsor.path)
            #expect(created.string("virtual_url") == "https://meet.example.com/oz-101")
            let id = try #require(created.string("id"))
            #expect(created.headers.first(name: "Location") == "\(Self.events)/\(id)")

            // A draft: 404 to others (and not listed), editable by its host only.
            expectProblem(try await fixture.client.get("\(Self.events)/\(id)", token: investor.token), 404)
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"title":"Mine"}"#, token: rival.token), 404)
            expectProblem(try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: investor.token), 404)
            #expect(items(try await fixture.client.get(Self.events, token: investor.token)["data"]).isEmpty)
            let hosting = try await fixture.client.get("\(Self.events)?hosting=true", token: sponsor.token)
            #expect(items(hosting["data"]).map { $0["id"] } == [.string(id)])

            let published = try await fixture.client.post("\(Self.events)/\(id)/publish", "", token: sponsor.token)
            #expect(published.string("status") == "published")
            // Published: everyone sees it, without the join link until they have a seat.
            let seen = try await fixture.client.get("\(Self.events)/\(id)", token: investor.token)
            #expect(seen.status == 200)
            #expect(seen["virtual_url"] == .null)
            #expect(seen["registration"] == .null)
            let listedEvents = try await fixture.client.get("\(Self.events)?property_id=\(property)", token: investor.token)
            #expect(items(listedEvents["data"]).map { $0["id"] } == [.string(id)])
            // Visible but not theirs: 403 for changes.
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"title":"Mine"}"#, token: rival.token), 403)
            expectProblem(try await fixture.client.post("\(Self.events)/\(id)/cancel", "", token: investor.token), 403)
            expectProblem(try await fixture.client.get("\(Self.events)/\(id)/registrations", token: investor.token), 403)

            let registered = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: investor.token)
            #expect(registered.status == 201, "\(registered.text)")
            #expect(registered.string("status") == "registered")
            #expect(registered["waitlist_position"] == .null)
            // Registering again is the same registration.
            let again = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: investor.token)
            #expect(again.status == 200)
            #expect(again.string("id") == registered.string("id"))
            let withSeat = try await fixture.client.get("\(Self.events)/\(id)", token: investor.token)
            #expect(withSeat.string("virtual_url") == "https://meet.example.com/oz-101")
            #expect(withSeat["registration"]?["status"] == .string("registered"))
            #expect(withSeat["registered_count"] == .number(1))

            // The host edits: moving it bumps the calendar sequence; fewer seats than taken is refused.
            let moved = try await fixture.client.send(
                .PATCH, "\(Self.events)/\(id)", json: #"{"starts_at":"\#(fixture.at(hours: 50))","ends_at":"\#(fixture.at(hours: 52))"}"#,
                token: sponsor.token)
            #expect(moved.status == 200, "\(moved.text)")
            #expect(moved["sequence"] == .number(1))
            #expect(moved.string("title") == "Opportunity zones 101")
            let retitled = try await fixture.client.send(
                .PATCH, "\(Self.events)/\(id)", json: #"{"description":"Bring questions."}"#, token: sponsor.token)
            #expect(retitled["sequence"] == .number(1))
            #expect(retitled.string("description") == "Bring questions.")

            // Staff host platform events without a property.
            let platform = try await fixture.client.post(Self.events, try fixture.webinar("Tract town hall"), token: staff.token)
            #expect(platform.status == 201, "\(platform.text)")
            #expect(platform["property_id"] == .null)
        }
    }

    /// Bad input is a 422 naming the field (or the kit's 400/415), never a 500 or a partial write.
    @Test func badInputIsRefusedByName() async throws {
        try await WebinarFixture.run { fixture in
            let staff = try await fixture.user([.admin])
            func refused(_ body: String, _ field: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
                let reply = try await fixture.client.post(Self.events, body, token: staff.token)
                expectProblem(reply, 422, sourceLocation: sourceLocation)
                let fields = items(reply["errors"]).compactMap { error -> String? in
                    if case .string(let name)? = error["field"] { return name }
                    return nil
                }
                #expect(fields.contains(field), "\(reply.text)", sourceLocation: sourceLocation)
            }
            let start = fixture.at(hours: 24)
            let end = fixture.at(hours: 25)
            func body(_ changes: String) -> String {
                #"{"title":"T","kind":"webinar","starts_at":"\#(start)","ends_at":"\#(end)","time_zone":"UTC","virtual_url":"https://x.example/a"\#(changes)}"#
            }
            try await refused(
                #"{"title":"T","kind":"webinar","starts_at":"\#(end)","ends_at":"\#(start)","time_zone":"UTC","virtual_url":"https://x.example/a"}"#,
                "ends_at")
            try await refused(
                #"{"title":"T","kind":"webinar","starts_at":"\#(fixture.at(hours: -1))","ends_at":"\#(end)","time_zone":"UTC","virtual_url":"https://x.example/a"}"#,
                "starts_at")
            try await refused(
                #"{"title":"T","kind":"webinar","starts_at":"2026-13-01T10:00:00Z","ends_at":"\#(end)","time_zone":"UTC","virtual_url":"https://x.example/a"}"#,
                "starts_at")
            try await refused(
                #"{"title":"T","kind":"webinar","starts_at":"\#(start.dropLast())","ends_at":"\#(end)","time_zone":"UTC","virtual_url":"https://x.example/a"}"#,
                "starts_at")
            try await refused(body(#","time_zone":"EST""#).replacingOccurrences(of: #""time_zone":"UTC","#, with: ""), "time_zone")
            try await refused(body(#","capacity":1e20"#), "capacity")
            try await refused(body(#","capacity":"10""#), "capacity")
            try await refused(body(#","capacity":0"#), "capacity")
            try await refused(body(#","capacity":2.5"#), "capacity")
            try await refused(body(#","status":"published""#), "status")
            try await refused(body(#","colour":"red""#), "colour")
            try await refused(body(#","venue":"a\u0000b""#), "venue")
            try await refused(body(#","property_id":"nope""#), "property_id")
            try await refused(body("").replacingOccurrences(of: #""virtual_url":"https://x.example/a""#, with: #""venue":"Hall""#), "virtual_url")
            try await refused(body("").replacingOccurrences(of: "https://x.example/a", with: "javascript:alert(1)"), "virtual_url")
            try await refused(body("").replacingOccurrences(of: #""kind":"webinar""#, with: #""kind":"party""#), "kind")
            try await refused(body("").replacingOccurrences(of: #""title":"T""#, with: #""title":"\#(String(repeating: "x", count: 201))""#), "title")
            try await refused("[1,2]", "body")
            expectProblem(try await fixture.client.post(Self.events, "{", token: staff.token), 400)
            expectProblem(try await fixture.client.send(.POST, Self.events, json: body(""), contentType: "text/plain", token: staff.token), 415)
            expectProblem(try await fixture.client.post(Self.events, body(""), token: nil), 401)
            expectProblem(try await fixture.client.get("\(Self.events)/not-an-id", token: staff.token), 404)
            expectProblem(try await fixture.client.get("\(Self.events)?hosting=maybe", token: staff.token), 422)
            expectProblem(try await fixture.client.get("\(Self.events)?limit=0", token: staff.token), 422)
            expectProblem(try await fixture.client.get("\(Self.events)?cursor=nope", token: staff.token), 422)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.events") == ["0"])

            // A PATCH is checked as a whole, and a recording must be a link.
            let id = try await fixture.publishedEvent(by: staff, capacity: 2)
            expectProblem(
                try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"ends_at":"\#(fixture.at(hours: 1))"}"#, token: staff.token),
                422)
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"id":"x"}"#, token: staff.token), 422)
            expectProblem(try await fixture.client.post("\(Self.events)/\(id)/recording", #"{"recording_url":"ftp://x"}"#, token: staff.token), 422)
            let seated = (try await fixture.user(), try await fixture.user())
            _ = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: seated.0.token)
            _ = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: seated.1.token)
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"capacity":1}"#, token: staff.token), 422)
            expectProblem(try await fixture.client.get("\(Self.events)/\(id)/registrations?status=gone", token: staff.token), 422)
        }
    }

    /// Issue 17's acceptance: 50 people register at once for 10 seats — exactly 10 get one, 40
    /// queue in the order their registrations committed — and each cancellation, even several at
    /// once, hands its seat to the head of the queue, who is told.
    @Test func fiftyConcurrentRegistrationsFillTenSeatsAndPromoteInOrder() async throws {
        try await WebinarFixture.run { fixture in
            let staff = try await fixture.user([.admin])
            let id = try await fixture.publishedEvent(by: staff, capacity: 10)
            var people: [MessagingFixture.User] = []
            for _ in 0..<50 { people.append(try await fixture.user()) }
            let replies = try await withThrowingTaskGroup(of: (MessagingFixture.User, JSONClient.Reply).self) { group in
                for person in people {
                    group.addTask { (person, try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: person.token)) }
                }
                var all: [(MessagingFixture.User, JSONClient.Reply)] = []
                for try await reply in group { all.append(reply) }
                return all
            }
            #expect(replies.allSatisfy { $0.1.status == 201 }, "\(replies.map(\.1.status))")
            let seated = replies.filter { $0.1.string("status") == "registered" }
            let queued = replies.filter { $0.1.string("status") == "waitlisted" }
            #expect(seated.count == 10)
            #expect(queued.count == 40)
            // Positions are 1…40, each once, in the order of the database's queue.
            let order = try await fixture.sql(
                "SELECT user_id::text FROM communications.event_registrations WHERE status = 'waitlisted' ORDER BY waitlist_order")
            #expect(order.count == 40)
            let listed = try await fixture.client.get("\(Self.events)/\(id)/registrations?status=waitlisted&limit=200", token: staff.token)
            var positions: [String: Double] = [:]
            for entry in items(listed["data"]) {
                if case .string(let user)? = entry["user_id"], case .number(let position)? = entry["waitlist_position"] { positions[user] = position }
            }
            #expect(order.enumerated().allSatisfy { positions[$0.element] == Double($0.offset + 1) }, "\(positions)")
            let event = try await fixture.client.get("\(Self.events)/\(id)", token: staff.token)
            #expect(event["registered_count"] == .number(10))
            #expect(event["waitlisted_count"] == .number(40))

            // One cancellation: the head of the queue gets the seat, and is told.
            let byID = Dictionary(uniqueKeysWithValues: people.map { ($0.path, $0) })
            let first = seated[0]
            let cancelled = try await fixture.client.send(
                .DELETE, "\(Self.events)/\(id)/registrations/\(try #require(first.1.string("id")))", token: first.0.token)
            #expect(cancelled.string("status") == "cancelled", "\(cancelled.text)")
            let head = try #require(byID[order[0]])
            let promoted = try await fixture.client.get("\(Self.events)/\(id)", token: head.token)
            #expect(promoted["registration"]?["status"] == .string("registered"))
            #expect(try await fixture.notifications(of: head, type: "event.waitlist_promoted").count == 1)
            #expect(try await fixture.notifications(of: try #require(byID[order[1]]), type: "event.waitlist_promoted").isEmpty)
            let next = try await fixture.client.get("\(Self.events)/\(id)", token: try #require(byID[order[1]]).token)
            #expect(next["registration"]?["waitlist_position"] == .number(1))

            // Five at once: the next five in the queue, no more, and still ten seats.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (person, reply) in seated[1...5] {
                    let registration = try #require(reply.string("id"))
                    group.addTask {
                        let reply = try await fixture.client.send(.DELETE, "\(Self.events)/\(id)/registrations/\(registration)", token: person.token)
                        #expect(reply.status == 200, "\(reply.text)")
                    }
                }
                try await group.waitForAll()
            }
            let now = try await fixture.sql(
                "SELECT user_id::text FROM communications.event_registrations WHERE status = 'registered' ORDER BY user_id")
            #expect(now.count == 10)
            #expect(Set(order[0...5]).isSubset(of: Set(now)))
            #expect(Set(order[6...]).isDisjoint(with: Set(now)))
            // A second cancellation of the same registration changes nothing.
            let twice = try await fixture.client.send(
                .DELETE, "\(Self.events)/\(id)/registrations/\(try #require(first.1.string("id")))", token: first.0.token)
            #expect(twice.status == 200)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.event_registrations WHERE status = 'registered'") == ["10"])
            // Someone else's registration is not theirs to cancel.
            expectProblem(
                try await fixture.client.send(
                    .DELETE, "\(Self.events)/\(id)/registrations/\(try #require(seated[6].1.string("id")))", token: seated[7].0.token), 404)
            // More seats promote the queue in order too.
            let grown = try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"capacity":12}"#, token: staff.token)
            #expect(grown["registered_count"] == .number(12), "\(grown.text)")
            let after = Set(try await fixture.sql("SELECT user_id::text FROM communications.event_registrations WHERE status = 'registered'"))
            #expect(Set(order[0...7]).isSubset(of: after))
        }
    }

    /// Cancelling an event tells everyone registered or waitlisted; check-in opens an hour before
    /// the start; a recording is attached only after the end, and those who had a seat are told.
    @Test func cancellationCheckInAndRecordingFollowTheClock() async throws {
        try await WebinarFixture.run { fixture in
            let staff = try await fixture.user([.admin])
            let (ann, bob, cat) = (try await fixture.user(), try await fixture.user(), try await fixture.user())
            let id = try await fixture.publishedEvent(by: staff, startsIn: 10, capacity: 1)
            let annRegistration = try #require(try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: ann.token).string("id"))
            let bobs = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: bob.token)
            #expect(bobs.string("status") == "waitlisted")
            #expect(bobs["waitlist_position"] == .number(1))

            expectProblem(
                try await fixture.client.post("\(Self.events)/\(id)/registrations/\(annRegistration)/check-in", "", token: staff.token), 409)
            expectProblem(
                try await fixture.client.post("\(Self.events)/\(id)/recording", #"{"recording_url":"https://v.example/1"}"#, token: staff.token), 409)
            fixture.clock.advance(seconds: 9.5 * 3600)
            expectProblem(try await fixture.client.post("\(Self.events)/\(id)/registrations/\(annRegistration)/check-in", "", token: ann.token), 403)
            expectProblem(
                try await fixture.client.post(
                    "\(Self.events)/\(id)/registrations/\(try #require(bobs.string("id")))/check-in", "", token: staff.token), 409)
            let checkedIn = try await fixture.client.post("\(Self.events)/\(id)/registrations/\(annRegistration)/check-in", "", token: staff.token)
            #expect(checkedIn.string("status") == "attended", "\(checkedIn.text)")
            #expect(checkedIn.string("checked_in_at") != nil)
            expectProblem(try await fixture.client.send(.DELETE, "\(Self.events)/\(id)/registrations/\(annRegistration)", token: ann.token), 409)
            // Started: no more registrations or changes.
            fixture.clock.advance(seconds: 3600)
            expectProblem(try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: cat.token), 409)
            expectProblem(try await fixture.client.send(.PATCH, "\(Self.events)/\(id)", json: #"{"title":"Late"}"#, token: staff.token), 409)
            fixture.clock.advance(seconds: 3600)
            let recorded = try await fixture.client.post(
                "\(Self.events)/\(id)/recording", #"{"recording_url":"https://v.example/1"}"#, token: staff.token)
            #expect(recorded.string("recording_url") == "https://v.example/1", "\(recorded.text)")
            #expect(try await fixture.notifications(of: ann, type: "event.recording_available").count == 1)
            #expect(try await fixture.notifications(of: bob, type: "event.recording_available").isEmpty)
            expectProblem(try await fixture.client.post("\(Self.events)/\(id)/cancel", "", token: staff.token), 409)

            // A second event, cancelled before it starts: both the seated and the queued are told, once.
            let other = try await fixture.publishedEvent(by: staff, startsIn: 10, capacity: 1)
            _ = try await fixture.client.post("\(Self.events)/\(other)/registrations", "", token: bob.token)
            _ = try await fixture.client.post("\(Self.events)/\(other)/registrations", "", token: cat.token)
            let cancelled = try await fixture.client.post("\(Self.events)/\(other)/cancel", "", token: staff.token)
            #expect(cancelled.string("status") == "cancelled")
            #expect(try await fixture.client.post("\(Self.events)/\(other)/cancel", "", token: staff.token).status == 200)
            #expect(try await fixture.notifications(of: bob, type: "event.cancelled").count == 1)
            #expect(try await fixture.notifications(of: cat, type: "event.cancelled").count == 1)
            #expect(try await fixture.notifications(of: ann, type: "event.cancelled").isEmpty)
            expectProblem(try await fixture.client.post("\(Self.events)/\(other)/registrations", "", token: ann.token), 409)
            expectProblem(try await fixture.client.post("\(Self.events)/\(other)/publish", "", token: staff.token), 409)
            // The mail of a notice is planned through preferences (email on by default).
            let planned = try await fixture.sql(
                "SELECT count(*)::text FROM communications.notification_deliveries WHERE type = 'event.cancelled' AND template_key = 'notification'")
            #expect(planned == ["2"])

            // "My events": what each registered for, the cancelled event included; nobody else's.
            func mine(_ user: MessagingFixture.User) async throws -> [String] {
                let page = try await fixture.client.get("\(Self.events)?registered=true", token: user.token)
                #expect(page.status == 200, "\(page.text)")
                return (0..<10).compactMap { page["data"]?[$0]?["id"] }.compactMap { if case .string(let id) = $0 { id } else { nil } }
            }
            #expect(Set(try await mine(bob)) == [id, other])
            #expect(try await mine(ann) == [id])
            #expect(try await mine(staff).isEmpty)
            expectProblem(try await fixture.client.get("\(Self.events)?registered=maybe", token: bob.token), 422)
            expectProblem(try await fixture.client.get("\(Self.events)?registered=true&hosting=true", token: bob.token), 422)
        }
    }

    /// Registering (which can promote and notify others) and hosting are limited per user: past
    /// the allowance a 429 with Retry-After, and nothing written.
    @Test func registrationsAndHostingAreRateLimitedPerUser() async throws {
        let settings = WebinarSettings(
            reminderInterval: .seconds(3600), registrationsPerUser: TokenBucket(2, per: .seconds(3600)),
            eventsPerHost: TokenBucket(2, per: .seconds(86400)))
        try await WebinarFixture.run(webinars: settings) { fixture in
            let staff = try await fixture.user([.admin])
            let ann = try await fixture.user()
            let id = try await fixture.publishedEvent(by: staff)
            let first = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: ann.token)
            let registration = try #require(first.string("id"))
            _ = try await fixture.client.send(.DELETE, "\(Self.events)/\(id)/registrations/\(registration)", token: ann.token)
            #expect(try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: ann.token).status == 201)
            _ = try await fixture.client.send(.DELETE, "\(Self.events)/\(id)/registrations/\(registration)", token: ann.token)
            let limited = try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: ann.token)
            expectProblem(limited, 429)
            #expect(limited.headers.first(name: "Retry-After") != nil)
            #expect(try await fixture.sql("SELECT status FROM communications.event_registrations") == ["cancelled"])
            // Another user is not held back by Ann's allowance.
            #expect(try await fixture.client.post("\(Self.events)/\(id)/registrations", "", token: try await fixture.user().token).status == 201)
            // The host made one event; one more is allowed, the next refused.
            #expect(try await fixture.client.post(Self.events, try fixture.webinar(), token: staff.token).status == 201)
            expectProblem(try await fixture.client.post(Self.events, try fixture.webinar(), token: staff.token), 429)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.events") == ["2"])
        }
    }
}
