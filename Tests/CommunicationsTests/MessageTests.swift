import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Messages: plain text within limits, unread counts exact under concurrent senders, read
/// receipts, the edit window, soft delete, blocks, attachments checked against properties.
@Suite struct MessageTests {
    /// 20 members post 5 messages each at once: every sequence number is used once, and every
    /// member's unread count is exactly the others' messages.
    @Test func unreadCountsStayRightUnderTwentyConcurrentSenders() async throws {
        try await MessagingFixture.run { fixture in
            let owner = try await fixture.user()
            var senders: [MessagingFixture.User] = []
            for _ in 0..<20 { senders.append(try await fixture.user()) }
            // Connections seeded directly: what is under test is posting, not 20 request round trips.
            let values = senders.map { "(gen_random_uuid(), '\(owner.path)', '\($0.path)', 'accepted', now(), now())" }.joined(separator: ",")
            _ = try await fixture.sql(
                "INSERT INTO communications.connections (id, requester_id, addressee_id, status, created_at, updated_at) VALUES \(values)")
            let members = senders.map { "\"\($0.path)\"" }.joined(separator: ",")
            let opened = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"group","name":"Syndicate","member_ids":[\#(members)]}"#, token: owner.token)
            #expect(opened.status == 201, "\(opened.text)")
            let id = try #require(opened.string("id"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sender in senders {
                    group.addTask {
                        for n in 0..<5 {
                            let reply = try await fixture.post(id, "message \(n) from \(sender.path)", by: sender)
                            #expect(reply.status == 201, "\(reply.text)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(
                try await fixture.sql(
                    "SELECT count(*)::text || '|' || count(DISTINCT seq)::text || '|' || max(seq)::text FROM communications.messages WHERE conversation_id = '\(id)'"
                ) == ["100|100|100"])
            let ownerView = try await fixture.client.get("/v1/communications/conversations/\(id)", token: owner.token)
            #expect(ownerView["unread_count"] == .number(100))
            for sender in senders.prefix(3) {
                let view = try await fixture.client.get("/v1/communications/conversations/\(id)", token: sender.token)
                #expect(view["unread_count"] == .number(95))
            }
            let total = try await fixture.client.get("/v1/communications/conversations/unread", token: owner.token)
            #expect(total.json == .object(["total": .number(100), "conversations": .number(1)]))
            // Reading up to the 40th message leaves the 60 after it.
            let fortieth = try #require(
                try await fixture.sql("SELECT id::text FROM communications.messages WHERE conversation_id = '\(id)' AND seq = 40").first)
            let read = try await fixture.client.post(
                "/v1/communications/conversations/\(id)/read", #"{"message_id":"\#(fortieth)"}"#, token: owner.token)
            #expect(read.status == 200, "\(read.text)")
            #expect(read["unread_count"] == .number(60))
            #expect(read["last_read_message_id"] == .string(fortieth))
            // A receipt never moves back.
            let first = try #require(
                try await fixture.sql("SELECT id::text FROM communications.messages WHERE conversation_id = '\(id)' AND seq = 1").first)
            let back = try await fixture.client.post(
                "/v1/communications/conversations/\(id)/read", #"{"message_id":"\#(first)"}"#, token: owner.token)
            #expect(back["unread_count"] == .number(60))
            // The others see the receipt.
            let receipts = try await fixture.client.get("/v1/communications/conversations/\(id)/members?limit=200", token: senders[0].token)
            let ownerRow = items(receipts["data"]).first { $0["user_id"] == .string(owner.path) }
            #expect(ownerRow?["last_read_message_id"] == .string(fortieth))
            #expect(
                try await fixture.sql(
                    "SELECT payload->>'user_id' FROM communications.live_items WHERE user_id = '\(senders[0].path)' AND kind = 'conversation.read'")
                    == [owner.path])
            let all = try await fixture.client.send(.POST, "/v1/communications/conversations/\(id)/read", token: owner.token)
            #expect(all["unread_count"] == .number(0))
            // Each member's notifications collapsed: one per unread streak, not one per message.
            #expect(
                try await fixture.sql(
                    "SELECT count(*)::text FROM communications.notifications WHERE user_id = '\(owner.path)' AND type = 'message.received'") == ["1"])
            // And each message reached the others' live feeds (20 senders × 5 to the owner).
            #expect(
                try await fixture.sql("SELECT count(*)::text FROM communications.live_items WHERE user_id = '\(owner.path)' AND kind = 'message'")
                    == ["100"])
        }
    }

    @Test func historyIsNewestFirstAndBodiesArePlainTextWithinTheLimit() async throws {
        try await MessagingFixture.run(messaging: MessagingSettings(maxCharacters: 20)) { fixture in
            let (ann, bob) = (try await fixture.user(), try await fixture.user())
            try await fixture.connect(ann, bob)
            let id = try await fixture.direct(ann, bob)
            let html = try await fixture.post(id, "<b>hi</b>\r\nthere", by: ann)
            #expect(html.status == 201, "\(html.text)")
            // Stored and shown as the text it is: nothing is rendered or escaped.
            #expect(html.string("body") == "<b>hi</b>\nthere")
            #expect(html["sent_by_team"] == .bool(false))
            #expect(try await fixture.post(id, "second", by: bob).status == 201)
            let page = try await fixture.client.get("/v1/communications/conversations/\(id)/messages?limit=1", token: ann.token)
            #expect(page["data"]?[0]?["body"] == .string("second"))
            let cursor = try #require(page.string("next_cursor"))
            let older = try await fixture.client.get("/v1/communications/conversations/\(id)/messages?limit=1&cursor=\(cursor)", token: ann.token)
            #expect(older["data"]?[0]?["body"] == .string("<b>hi</b>\nthere"))
            #expect(older["next_cursor"] == JSONValue.null)
            for body in [
                #"{"body":"   "}"#, #"{"body":"123456789012345678901"}"#, #"{"body":"bell\u0007"}"#, #"{"body":"nul\u0000"}"#, #"{"body":7}"#, #"{}"#,
                #"{"body":"ok","sender_id":"\#(bob.path)"}"#, #"{"body":"ok","attachments":"x"}"#, #"{"body":"ok","attachments":["x"]}"#, "[1]",
            ] {
                let reply = try await fixture.client.post("/v1/communications/conversations/\(id)/messages", body, token: ann.token)
                expectProblem(reply, 422)
            }
            expectProblem(try await fixture.client.post("/v1/communications/conversations/\(id)/messages", "{", token: ann.token), 400)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.messages") == ["2"])
            // A retry with the same Idempotency-Key is answered as the first time and posts nothing.
            let keyed = try await fixture.client.post(
                "/v1/communications/conversations/\(id)/messages", #"{"body":"once"}"#, token: ann.token,
                headers: [("Idempotency-Key", "message-0001")])
            let retried = try await fixture.client.post(
                "/v1/communications/conversations/\(id)/messages", #"{"body":"once"}"#, token: ann.token,
                headers: [("Idempotency-Key", "message-0001")])
            #expect(keyed.status == 201)
            #expect(retried.status == 201)
            #expect(retried.string("id") == keyed.string("id"))
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.messages") == ["3"])
        }
    }

    @Test func aSenderEditsWithinTheWindowAndDeletesLeavingATombstone() async throws {
        try await MessagingFixture.run(messaging: MessagingSettings(editWindowSeconds: 900)) { fixture in
            let (ann, bob) = (try await fixture.user(), try await fixture.user())
            try await fixture.connect(ann, bob)
            let id = try await fixture.direct(ann, bob)
            let sent = try await fixture.post(id, "Meet at 3?", by: ann)
            let message = try #require(sent.string("id"))
            #expect(sent["edited_at"] == JSONValue.null)
            let path = "/v1/communications/conversations/\(id)/messages/\(message)"
            fixture.clock.advance(seconds: 600)
            let edited = try await fixture.client.send(.PATCH, path, json: #"{"body":"Meet at 4?"}"#, token: ann.token)
            #expect(edited.status == 200, "\(edited.text)")
            #expect(edited.string("body") == "Meet at 4?")
            #expect(edited["edited_at"] != JSONValue.null)
            expectProblem(try await fixture.client.send(.PATCH, path, json: #"{"body":"Mine now"}"#, token: bob.token), 403)
            expectProblem(try await fixture.client.send(.PATCH, path, json: #"{"body":""}"#, token: ann.token), 422)
            expectProblem(try await fixture.client.send(.PATCH, path, json: #"{"body":"x","seq":1}"#, token: ann.token), 422)
            fixture.clock.advance(seconds: 301)
            expectProblem(try await fixture.client.send(.PATCH, path, json: #"{"body":"Meet at 5?"}"#, token: ann.token), 409)
            // Bob had one unread; a deleted message is not unread.
            #expect(try await fixture.client.get("/v1/communications/conversations/\(id)", token: bob.token)["unread_count"] == .number(1))
            expectProblem(try await fixture.client.send(.DELETE, path, token: bob.token), 403)
            #expect(try await fixture.client.send(.DELETE, path, token: ann.token).status == 204)
            #expect(try await fixture.client.send(.DELETE, path, token: ann.token).status == 204)
            #expect(try await fixture.client.get("/v1/communications/conversations/\(id)", token: bob.token)["unread_count"] == .number(0))
            let history = try await fixture.client.get("/v1/communications/conversations/\(id)/messages", token: bob.token)
            let tombstone = try #require(history["data"]?[0])
            #expect(tombstone["id"] == .string(message))
            #expect(tombstone["body"] == JSONValue.null)
            #expect(tombstone["attachments"] == .array([]))
            #expect(tombstone["deleted_at"] != JSONValue.null)
            expectProblem(try await fixture.client.send(.DELETE, "/v1/communications/conversations/\(id)/messages/\(UUID())", token: ann.token), 404)
            // Bob's client heard of the edit and the delete.
            #expect(
                try await fixture.sql(
                    "SELECT kind FROM communications.live_items WHERE user_id = '\(bob.path)' AND kind LIKE 'message%' ORDER BY seq") == [
                        "message", "message.edited", "message.deleted",
                    ])
        }
    }

    /// A block wins over an open conversation, and the blocked meet the same answer as anyone not
    /// connected: nothing says "blocked".
    @Test func aBlockedUserCannotMessageTheBlocker() async throws {
        try await MessagingFixture.run { fixture in
            let (ann, bob) = (try await fixture.user(), try await fixture.user())
            try await fixture.connect(ann, bob)
            let id = try await fixture.direct(ann, bob)
            #expect(try await fixture.post(id, "hi", by: ann).status == 201)
            #expect(
                try await fixture.client.post("/v1/communications/connections/blocks", #"{"user_id":"\#(ann.path)"}"#, token: bob.token).status == 201
            )
            let refused = try await fixture.post(id, "hello?", by: ann)
            expectProblem(refused, 403)
            let stranger = try await fixture.user()
            let notConnected = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(stranger.path)"}"#, token: ann.token)
            #expect(refused["detail"] == notConnected["detail"])
            expectProblem(
                try await fixture.client.post("/v1/communications/conversations", #"{"kind":"direct","user_id":"\#(bob.path)"}"#, token: ann.token),
                403)
            // The blocker cannot message either while the block stands; the history stays readable.
            expectProblem(try await fixture.post(id, "bye", by: bob), 403)
            #expect(try await fixture.client.get("/v1/communications/conversations/\(id)/messages", token: ann.token).status == 200)
            #expect(try await fixture.sql("SELECT count(*)::text FROM communications.messages") == ["1"])
        }
    }

    /// Attachments are media documents the sender may read (properties decides, shares included);
    /// they are shown only to members, in the message.
    @Test func attachmentsAreDocumentsTheSenderMayReadAndOnlyMembersSee() async throws {
        try await MessagingFixture.run(withProperties: true) { fixture in
            let properties = try #require(fixture.properties)
            let sponsor = try await fixture.user([.sponsor])
            let investor = try await fixture.user()
            let listed = try await properties.post("/v1/properties", ConversationTests.elm, token: sponsor.token)
            let property = try #require(listed.string("id"))
            #expect(
                try await properties.send(
                    .PATCH, "/v1/properties/\(property)", json: #"{"status":"active","visibility":"investors"}"#, token: sponsor.token
                ).status == 200)
            // Two documents of the property: one for investors, one private to the sponsor.
            let (open, closed) = (UUID(), UUID())
            for (id, visibility) in [(open, "investors"), (closed, "private")] {
                _ = try await fixture.sql(
                    """
                    INSERT INTO media.documents (id, property_id, owner_id, name, file_size, file_type, file_hash, storage_key, version, visibility)
                    VALUES ('\(id)', '\(property)', '\(sponsor.path)', 'Doc \(visibility)', 10, 'application/pdf', repeat('a', 64),
                            'documents/\(id.uuidString.lowercased())', 1, '\(visibility)')
                    """)
            }
            let opened = try await fixture.client.post(
                "/v1/communications/conversations", #"{"kind":"sponsor","property_id":"\#(property)"}"#, token: investor.token)
            let id = try #require(opened.string("id"))
            let messages = "/v1/communications/conversations/\(id)/messages"
            let refused = try await fixture.client.post(messages, #"{"body":"see this","attachments":["\#(closed)"]}"#, token: investor.token)
            expectProblem(refused, 422)
            #expect(refused.text.contains(closed.uuidString.lowercased()))
            let unknown = try await fixture.client.post(messages, #"{"body":"see this","attachments":["\#(UUID())"]}"#, token: investor.token)
            expectProblem(unknown, 422)
            let sent = try await fixture.client.post(messages, #"{"body":"see this","attachments":["\#(open)"]}"#, token: investor.token)
            #expect(sent.status == 201, "\(sent.text)")
            #expect(sent["attachments"] == .array([.string(open.uuidString.lowercased())]))
            // The sponsor may attach their private document.
            let answer = try await fixture.client.post(messages, #"{"body":"and this","attachments":["\#(closed)"]}"#, token: sponsor.token)
            #expect(answer.status == 201, "\(answer.text)")
            let history = try await fixture.client.get(messages, token: investor.token)
            #expect(history["data"]?[0]?["attachments"] == .array([.string(closed.uuidString.lowercased())]))
            // Properties' answer to communications, by scope: only communications' token asks it,
            // and it answers for the reader it names.
            let document = "/internal/v1/documents/\(closed.uuidString.lowercased())"
            let asCommunications = try await fixture.issuer.serviceToken(for: .communications)
            let readable = try await properties.get("\(document)?reader=\(sponsor.path)&roles=sponsor", token: asCommunications)
            #expect(readable.status == 200, "\(readable.text)")
            #expect(readable.string("id") == closed.uuidString.lowercased())
            expectProblem(try await properties.get("\(document)?reader=\(investor.path)&roles=investor", token: asCommunications), 404)
            expectProblem(try await properties.get(document, token: asCommunications), 422)
            expectProblem(try await properties.get("\(document)?reader=\(investor.path)&roles=pope", token: asCommunications), 422)
            expectProblem(
                try await properties.get("\(document)?reader=\(sponsor.path)", token: try await fixture.issuer.serviceToken(for: .investments)), 403)
            expectProblem(try await properties.get("\(document)?reader=\(sponsor.path)", token: sponsor.token), 403)
            // Nobody else sees the messages or what they reference.
            let outsider = try await fixture.user()
            expectProblem(try await fixture.client.get(messages, token: outsider.token), 404)
            expectProblem(try await fixture.client.post(messages, #"{"body":"x","attachments":["\#(open)"]}"#, token: outsider.token), 404)
        }
    }
}
