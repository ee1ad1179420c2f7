import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Conversations: direct ones between connections (one per pair), groups up to the member limit,
/// "ask the sponsor" against a real properties service; a non-member gets 404 on everything.
@Suite struct ConversationTests {
    @Test func aDirectConversationIsBetweenConnectionsAndOnePerPair() async throws {
        try await MessagingFixture.run { fixture in
            let (ann, bob, cat) = (try await fixture.user(), try await fixture.user(), try await fixture.user())
            // Not connected: refused, whoever the other is.
            let refused = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(bob.path)"}"#, token: ann.token)
            expectProblem(refused, 403)
            try await fixture.connect(ann, bob)
            let opened = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(bob.path)"}"#, token: ann.token)
            #expect(opened.status == 201, "\(opened.text)")
            #expect(opened.string("kind") == "direct")
            #expect(opened.string("other_user_id") == bob.path)
            #expect(opened["unread_count"] == .number(0))
            let id = try #require(opened.string("id"))
            let reopened = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(ann.path)"}"#, token: bob.token)
            #expect(reopened.status == 200)
            #expect(reopened.string("id") == id)
            #expect(reopened.string("other_user_id") == ann.path)
            // Cat, and staff, see nothing of it: every route is the 404 of no conversation.
            let admin = try await fixture.user([.admin])
            for outsider in [cat, admin] {
                for reply in [
                    try await fixture.client.get("/v1/communications/conversations/\(id)", token: outsider.token),
                    try await fixture.client.get("/v1/communications/conversations/\(id)/messages", token: outsider.token),
                    try await fixture.client.get("/v1/communications/conversations/\(id)/members", token: outsider.token),
                    try await fixture.post(id, "hello", by: outsider),
                    try await fixture.client.post("/v1/communications/conversations/\(id)/read", "", token: outsider.token),
                    try await fixture.client.post("/v1/communications/conversations/\(id)/leave", "", token: outsider.token),
                    try await fixture.client.post(
                        "/v1/communications/conversations/\(id)/members", #"{"member_ids":["\#(outsider.path)"]}"#, token: outsider.token),
                    try await fixture.client.send(
                        .PATCH, "/v1/communications/conversations/\(id)/messages/\(UUID())", json: #"{"body":"x"}"#, token: outsider.token),
                    try await fixture.client.send(.DELETE, "/v1/communications/conversations/\(id)/messages/\(UUID())", token: outsider.token),
                ] {
                    expectProblem(reply, 404)
                }
            }
            let list = try await fixture.client.get("/v1/communications/conversations", token: cat.token)
            #expect(list["data"] == .array([]))
            expectProblem(try await fixture.client.get("/v1/communications/conversations/not-an-id", token: ann.token), 404)
            // A direct conversation is not left.
            expectProblem(try await fixture.client.post("/v1/communications/conversations/\(id)/leave", "", token: ann.token), 409)
        }
    }

    @Test func aGroupTakesConnectionsUpToTheLimitAndMembersMayLeave() async throws {
        try await MessagingFixture.run(messaging: MessagingSettings(maxMembers: 3)) { fixture in
            let (ann, bob, cat, dan) = (try await fixture.user(), try await fixture.user(), try await fixture.user(), try await fixture.user())
            try await fixture.connect(ann, bob)
            try await fixture.connect(cat, ann)
            try await fixture.connect(ann, dan)
            let stranger = try await fixture.user()
            let notConnected = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"group","name":"Deal room","member_ids":["\#(bob.path)","\#(stranger.path)"]}"#,
                token: ann.token)
            expectProblem(notConnected, 422)
            #expect(notConnected.text.contains(stranger.path))
            let tooMany = try await fixture.client.post(
                "/v1/communications/conversations",
                #"{"kind":"group","name":"Deal room","member_ids":["\#(bob.path)","\#(cat.path)","\#(dan.path)"]}"#, token: ann.token)
            expectProblem(tooMany, 422)
            let opened = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"group","name":"Deal room","member_ids":["\#(bob.path)","\#(cat.path)"]}"#,
                token: ann.token)
            #expect(opened.status == 201, "\(opened.text)")
            #expect(opened.string("name") == "Deal room")
            #expect(opened["member_count"] == .number(3))
            let id = try #require(opened.string("id"))
            // Full: Dan cannot be added until someone leaves.
            expectProblem(
                try await fixture.client.post(
                    "/v1/communications/conversations/\(id)/members", #"{"member_ids":["\#(dan.path)"]}"#, token: ann.token),
                422)
            #expect(try await fixture.client.post("/v1/communications/conversations/\(id)/leave", "", token: cat.token).status == 204)
            expectProblem(try await fixture.client.get("/v1/communications/conversations/\(id)", token: cat.token), 404)
            #expect(try await fixture.post(id, "Before Dan", by: bob).status == 201)
            let added = try await fixture.client.post(
                "/v1/communications/conversations/\(id)/members", #"{"member_ids":["\#(dan.path)"]}"#, token: ann.token)
            #expect(added.status == 200, "\(added.text)")
            // A newcomer reads the history, but what was said before they came is not unread news.
            let danView = try await fixture.client.get("/v1/communications/conversations/\(id)", token: dan.token)
            #expect(danView["unread_count"] == .number(0))
            #expect(danView["last_message"]?["body"] == .string("Before Dan"))
            #expect(try await fixture.post(id, "Welcome, Dan", by: bob).status == 201)
            #expect(try await fixture.client.get("/v1/communications/conversations/\(id)", token: dan.token)["unread_count"] == .number(1))
            #expect(
                try await fixture.sql("SELECT title FROM communications.notifications WHERE user_id = '\(dan.path)' AND category = 'messages'") == [
                    "New message in Deal room"
                ])
            let members = try await fixture.client.get("/v1/communications/conversations/\(id)/members", token: dan.token)
            let ids = Set(
                items(members["data"]).compactMap { item -> String? in
                    if case .string(let user)? = item["user_id"] { user } else { nil }
                })
            #expect(ids == [ann.path, bob.path, dan.path])
            // Kind-specific fields are checked.
            expectProblem(
                try await fixture.client.post(
                    "/v1/communications/conversations", #"{"kind":"group","member_ids":["\#(bob.path)"]}"#, token: ann.token),
                422)
            expectProblem(
                try await fixture.client.post("/v1/communications/conversations", #"{"kind":"team","name":"x"}"#, token: ann.token), 422)
            expectProblem(
                try await fixture.client.post(
                    "/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(bob.path)","name":"x"}"#, token: ann.token), 422)
            // Lists filter by kind.
            let groups = try await fixture.client.get("/v1/communications/conversations?kind=group", token: bob.token)
            #expect(groups["data"]?[0]?["id"] == .string(id))
            #expect(try await fixture.client.get("/v1/communications/conversations?kind=direct", token: bob.token)["data"] == .array([]))
            expectProblem(try await fixture.client.get("/v1/communications/conversations?kind=nope", token: bob.token), 422)
        }
    }

    /// "Ask the sponsor" against a real properties service: only a published property the
    /// investor can see counts; asking again returns the same conversation; the sponsor answers.
    @Test func anInvestorAsksTheSponsorOfAPublishedProperty() async throws {
        try await MessagingFixture.run(withProperties: true) { fixture in
            let properties = try #require(fixture.properties)
            let sponsor = try await fixture.user([.sponsor])
            let investor = try await fixture.user()
            let listed = try await properties.post("/v1/properties", Self.elm, token: sponsor.token)
            #expect(listed.status == 201, "\(listed.text)")
            let property = try #require(listed.string("id"))
            let ask = #"{"kind":"sponsor","property_id":"\#(property)"}"#
            // A prospect is the sponsor's alone: the same 404 as no property.
            expectProblem(try await fixture.client.post("/v1/communications/conversations", ask, token: investor.token), 404)
            expectProblem(
                try await fixture.client.post(
                    "/v1/communications/conversations", #"{"kind":"sponsor","property_id":"\#(UUID())"}"#, token: investor.token), 404)
            let published = try await properties.send(
                .PATCH, "/v1/properties/\(property)", json: #"{"status":"active","visibility":"investors"}"#, token: sponsor.token)
            #expect(published.status == 200, "\(published.text)")
            let opened = try await fixture.client.post("/v1/communications/conversations", ask, token: investor.token)
            #expect(opened.status == 201, "\(opened.text)")
            #expect(opened.string("kind") == "sponsor")
            #expect(opened.string("property_id") == property)
            #expect(opened.string("name") == "The Elm Residences")
            let id = try #require(opened.string("id"))
            let again = try await fixture.client.post("/v1/communications/conversations", ask, token: investor.token)
            #expect(again.status == 200)
            #expect(again.string("id") == id)
            // The sponsor cannot ask themself.
            expectProblem(try await fixture.client.post("/v1/communications/conversations", ask, token: sponsor.token), 422)
            #expect(try await fixture.post(id, "Is the 2026 K-1 out yet?", by: investor).status == 201)
            let inbox = try await fixture.client.get("/v1/communications/conversations", token: sponsor.token)
            #expect(inbox["data"]?[0]?["id"] == .string(id))
            #expect(inbox["data"]?[0]?["role"] == .string("sponsor"))
            #expect(inbox["data"]?[0]?["unread_count"] == .number(1))
            #expect(try await fixture.post(id, "Next week.", by: sponsor).status == 201)
            let investorView = try await fixture.client.get("/v1/communications/conversations/\(id)", token: investor.token)
            #expect(investorView["unread_count"] == .number(1))
            #expect(investorView["last_message"]?["body"] == .string("Next week."))
            // A private property is not askable either.
            let hidden = try await properties.send(.PATCH, "/v1/properties/\(property)", json: #"{"visibility":"private"}"#, token: sponsor.token)
            #expect(hidden.status == 200)
            let other = try await fixture.user()
            expectProblem(try await fixture.client.post("/v1/communications/conversations", ask, token: other.token), 404)
        }
    }

    static let elm = #"""
        {"property_name": "The Elm Residences", "property_type": "multi_family", "address_line1": "200 Elm St",
         "city": "Prattville", "state": "AL", "zip_code": "36067", "total_units": 24, "property_class": "B",
         "minimum_investment": "25000", "maximum_investment": "250000.50", "target_raise": "3000000.00"}
        """#
}
