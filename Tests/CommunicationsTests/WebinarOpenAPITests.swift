import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Every events route answers as `/openapi.json` says — its successes and its refusals — against
/// the running service, and none is left undocumented or unexercised.
@Suite struct WebinarOpenAPITests {
    @Test func everyRouteAnswersAsTheDocumentSays() async throws {
        try await WebinarFixture.run { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let (staff, ann, bob) = (try await fixture.user([.admin]), try await fixture.user(), try await fixture.user())
            var seen: [(method: String, path: String, reply: JSONClient.Reply)] = []
            func call(_ method: HTTPMethod, _ template: String, _ url: String, _ body: String? = nil, _ user: MessagingFixture.User?) async throws
                -> JSONClient.Reply
            {
                let reply = try await fixture.client.send(method, url, json: body, token: user?.token)
                seen.append((method.rawValue, template, reply))
                return reply
            }
            let events = "/v1/communications/events"
            let created = try await call(.POST, events, events, try fixture.webinar(startsIn: 2, capacity: 1), staff)
            _ = try await call(.POST, events, events, try fixture.webinar(), ann)
            _ = try await call(.POST, events, events, #"{"title":""}"#, staff)
            let id = try #require(created.string("id"))
            let one = "\(events)/{id}"
            _ = try await call(.GET, events, events + "?hosting=true", nil, staff)
            _ = try await call(.GET, events, events + "?registered=true", nil, ann)
            _ = try await call(.GET, events, events + "?limit=x", nil, staff)
            _ = try await call(.GET, one, "\(events)/\(id)", nil, staff)
            _ = try await call(.GET, one, "\(events)/\(id)", nil, ann)
            _ = try await call(.PATCH, one, "\(events)/\(id)", #"{"description":"More."}"#, staff)
            _ = try await call(.PATCH, one, "\(events)/\(id)", #"{"capacity":-1}"#, staff)
            _ = try await call(.POST, "\(one)/registrations", "\(events)/\(id)/registrations", nil, ann)
            _ = try await call(.POST, "\(one)/publish", "\(events)/\(id)/publish", nil, ann)
            _ = try await call(.POST, "\(one)/publish", "\(events)/\(id)/publish", nil, staff)
            let registered = try await call(.POST, "\(one)/registrations", "\(events)/\(id)/registrations", nil, ann)
            _ = try await call(.POST, "\(one)/registrations", "\(events)/\(id)/registrations", nil, ann)
            let waitlisted = try await call(.POST, "\(one)/registrations", "\(events)/\(id)/registrations", nil, bob)
            #expect(waitlisted.string("status") == "waitlisted")
            _ = try await call(.GET, events, events, nil, bob)
            _ = try await call(.GET, "\(one)/registrations", "\(events)/\(id)/registrations", nil, staff)
            _ = try await call(.GET, "\(one)/registrations", "\(events)/\(id)/registrations", nil, ann)
            let registration = try #require(registered.string("id"))
            let ics = "\(one)/registrations/{registration_id}.ics"
            _ = try await call(.GET, ics, "\(events)/\(id)/registrations/\(registration).ics", nil, ann)
            _ = try await call(.GET, ics, "\(events)/\(id)/registrations/\(registration).ics", nil, bob)
            let checkIn = "\(one)/registrations/{registration_id}/check-in"
            _ = try await call(.POST, checkIn, "\(events)/\(id)/registrations/\(registration)/check-in", nil, ann)
            _ = try await call(.POST, checkIn, "\(events)/\(id)/registrations/\(registration)/check-in", nil, staff)
            let cancelOne = "\(one)/registrations/{registration_id}"
            _ = try await call(.DELETE, cancelOne, "\(events)/\(id)/registrations/\(registration)", nil, ann)
            _ = try await call(.DELETE, cancelOne, "\(events)/\(id)/registrations/\(registration)", nil, bob)
            _ = try await call(.DELETE, cancelOne, "\(events)/\(id)/registrations/\(try #require(waitlisted.string("id")))", nil, bob)
            _ = try await call(.POST, "\(one)/recording", "\(events)/\(id)/recording", #"{"recording_url":"https://v.example/r"}"#, staff)
            fixture.clock.advance(seconds: 2 * 3600)
            // Started within the hour: check-in is open now.
            let late = try await fixture.user()
            _ = try await call(.POST, "\(one)/registrations", "\(events)/\(id)/registrations", nil, late)
            fixture.clock.advance(seconds: 3660)
            _ = try await call(.POST, "\(one)/recording", "\(events)/\(id)/recording", #"{"recording_url":"https://v.example/r"}"#, staff)
            _ = try await call(.POST, "\(one)/recording", "\(events)/\(id)/recording", #"{"recording_url":"https://v.example/r"}"#, ann)
            _ = try await call(.POST, "\(one)/cancel", "\(events)/\(id)/cancel", nil, staff)
            let next = try await fixture.publishedEvent(by: staff, startsIn: 0.5)
            let seat = try #require(try await fixture.client.post("\(events)/\(next)/registrations", "", token: ann.token).string("id"))
            _ = try await call(.POST, checkIn, "\(events)/\(next)/registrations/\(seat)/check-in", nil, staff)
            _ = try await call(.POST, "\(one)/cancel", "\(events)/\(next)/cancel", nil, ann)
            _ = try await call(.POST, "\(one)/cancel", "\(events)/\(next)/cancel", nil, staff)
            OpenAPIExercise.expectConformance(document, seen, prefixes: [events])
        }
    }
}
