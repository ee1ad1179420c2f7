import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Connections: request with a note, accept, decline, remove, block and unblock; a block is never
/// revealed to the blocked.
@Suite struct ConnectionTests {
    @Test func aRequestNotifiesTheAddresseeWhoAcceptsOrDeclines() async throws {
        try await MessagingFixture.run { fixture in
            let (ann, bob, cat) = (try await fixture.user(), try await fixture.user(), try await fixture.user())
            let asked = try await fixture.client.post(
                "/v1/communications/connections", #"{"user_id":"\#(bob.path)","note":"We met at the OZ summit."}"#, token: ann.token)
            #expect(asked.status == 201, "\(asked.text)")
            #expect(asked.string("status") == "pending")
            #expect(asked.string("direction") == "outgoing")
            #expect(asked.string("user_id") == bob.path)
            let id = try #require(asked.string("id"))
            // Asking again is the same request.
            let again = try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(bob.path)"}"#, token: ann.token)
            #expect(again.status == 200)
            #expect(again.string("id") == id)
            // Bob is notified (category connections, in the app), once.
            #expect(
                try await fixture.sql(
                    "SELECT type || '|' || category || '|' || message FROM communications.notifications WHERE user_id = '\(bob.path)'")
                    == ["connection.requested|connections|Someone asked to connect with you: We met at the OZ summit."])
            // Bob sees it as incoming; Cat sees nothing of it.
            let incoming = try await fixture.client.get("/v1/communications/connections?direction=incoming&status=pending", token: bob.token)
            #expect(incoming["data"]?[0]?["id"] == .string(id))
            #expect(incoming["data"]?[0]?["note"] == .string("We met at the OZ summit."))
            expectProblem(try await fixture.client.get("/v1/communications/connections/\(id)", token: cat.token), 404)
            expectProblem(try await fixture.client.post("/v1/communications/connections/\(id)/accept", "", token: cat.token), 404)
            // Only the addressee answers.
            expectProblem(try await fixture.client.post("/v1/communications/connections/\(id)/accept", "", token: ann.token), 403)
            // Bob asking Ann back is pointed at her request.
            expectProblem(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(ann.path)"}"#, token: bob.token), 409)
            let accepted = try await fixture.client.post("/v1/communications/connections/\(id)/accept", "", token: bob.token)
            #expect(accepted.status == 200)
            #expect(accepted.string("status") == "accepted")
            #expect(accepted.string("direction") == "incoming")
            expectProblem(try await fixture.client.post("/v1/communications/connections/\(id)/decline", "", token: bob.token), 409)
            #expect(
                try await fixture.sql("SELECT type FROM communications.notifications WHERE user_id = '\(ann.path)'") == ["connection.accepted"])

            // Cat asks Bob, who declines: Cat sees the decline and cannot ask again.
            let catAsks = try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(bob.path)"}"#, token: cat.token)
            let catID = try #require(catAsks.string("id"))
            let declined = try await fixture.client.post("/v1/communications/connections/\(catID)/decline", "", token: bob.token)
            #expect(declined.string("status") == "declined")
            expectProblem(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(bob.path)"}"#, token: cat.token), 409)
            let accepted2 = try await fixture.client.get("/v1/communications/connections?status=accepted", token: bob.token)
            #expect(accepted2["data"]?[0]?["user_id"] == .string(ann.path))
            #expect(accepted2["data"]?[1] == nil)
            // Either side removes a connection.
            #expect(try await fixture.client.send(.DELETE, "/v1/communications/connections/\(id)", token: ann.token).status == 204)
            expectProblem(try await fixture.client.get("/v1/communications/connections/\(id)", token: bob.token), 404)
        }
    }

    @Test func aBlockedUserCannotAskAgainAndNeverLearnsOfTheBlock() async throws {
        try await MessagingFixture.run { fixture in
            let (ann, bob) = (try await fixture.user(), try await fixture.user())
            try await fixture.connect(ann, bob)
            let blocked = try await fixture.client.post("/v1/communications/connections/blocks", #"{"user_id":"\#(ann.path)"}"#, token: bob.token)
            #expect(blocked.status == 201, "\(blocked.text)")
            // The connection is gone for both.
            let annList = try await fixture.client.get("/v1/communications/connections", token: ann.token)
            #expect(annList["data"] == .array([]))
            // Ann's new request looks like any other to her, but Bob never sees it and is not notified.
            let asked = try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(bob.path)"}"#, token: ann.token)
            #expect(asked.status == 201)
            #expect(asked.string("status") == "pending")
            let bobIncoming = try await fixture.client.get("/v1/communications/connections?direction=incoming", token: bob.token)
            #expect(bobIncoming["data"] == .array([]))
            let requestID = try #require(asked.string("id"))
            expectProblem(try await fixture.client.post("/v1/communications/connections/\(requestID)/accept", "", token: bob.token), 404)
            #expect(
                try await fixture.sql(
                    "SELECT count(*)::text FROM communications.notifications WHERE user_id = '\(bob.path)' AND type = 'connection.requested'")
                    == ["1"])
            // Bob cannot ask Ann while blocking her; his block list shows her.
            expectProblem(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(ann.path)"}"#, token: bob.token), 409)
            let blocks = try await fixture.client.get("/v1/communications/connections/blocks", token: bob.token)
            #expect(blocks["data"]?[0]?["user_id"] == .string(ann.path))
            // Lifting the block drops the request Bob never saw, so Ann may ask again.
            #expect(try await fixture.client.send(.DELETE, "/v1/communications/connections/blocks/\(ann.path)", token: bob.token).status == 204)
            expectProblem(try await fixture.client.send(.DELETE, "/v1/communications/connections/blocks/\(ann.path)", token: bob.token), 404)
            expectProblem(try await fixture.client.get("/v1/communications/connections/\(requestID)", token: ann.token), 404)
            let again = try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(bob.path)"}"#, token: ann.token)
            #expect(again.status == 201)
        }
    }

    /// Requests notify, so one account may have only so many waiting: the next is 429 until one is answered.
    @Test func pendingRequestsAreCapped() async throws {
        try await MessagingFixture.run(messaging: MessagingSettings(maxPendingRequests: 2)) { fixture in
            let ann = try await fixture.user()
            let (bob, cat, dan) = (try await fixture.user(), try await fixture.user(), try await fixture.user())
            #expect(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(bob.path)"}"#, token: ann.token).status == 201)
            let toCat = try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(cat.path)"}"#, token: ann.token)
            #expect(toCat.status == 201)
            expectProblem(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(dan.path)"}"#, token: ann.token), 429)
            let catID = try #require(toCat.string("id"))
            #expect(try await fixture.client.post("/v1/communications/connections/\(catID)/accept", "", token: cat.token).status == 200)
            #expect(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(dan.path)"}"#, token: ann.token).status == 201)
        }
    }

    @Test func badInputIsRefusedFieldByField() async throws {
        try await MessagingFixture.run { fixture in
            let ann = try await fixture.user()
            expectProblem(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(ann.path)"}"#, token: ann.token), 422)
            let bad = try await fixture.client.post(
                "/v1/communications/connections", #"{"user_id":"nope","note":"a\u0007b","status":"accepted"}"#, token: ann.token)
            expectProblem(bad, 422)
            let fields = Set(
                items(bad["errors"]).compactMap { item -> String? in
                    if case .string(let field)? = item["field"] { field } else { nil }
                })
            #expect(fields == ["note", "status", "user_id"])
            expectProblem(try await fixture.client.post("/v1/communications/connections", "[]", token: ann.token), 422)
            expectProblem(try await fixture.client.post("/v1/communications/connections", #"{"user_id":"\#(UUID())"}"#), 401)
            expectProblem(try await fixture.client.get("/v1/communications/connections?status=maybe", token: ann.token), 422)
            expectProblem(try await fixture.client.get("/v1/communications/connections?cursor=zzz", token: ann.token), 422)
            expectProblem(try await fixture.client.post("/v1/communications/connections/not-an-id/accept", "", token: ann.token), 404)
            expectProblem(
                try await fixture.client.post("/v1/communications/connections/blocks", #"{"user_id":"\#(ann.path)"}"#, token: ann.token), 422)
            // A service token acts for no user.
            let service = try await fixture.issuer.serviceToken(for: .auth)
            expectProblem(try await fixture.client.get("/v1/communications/connections", token: service), 403)
        }
    }
}
