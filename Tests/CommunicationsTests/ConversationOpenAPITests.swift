import Foundation
import Models
import NIOHTTP1
import ServiceKit
import TestSupport
import Testing

@testable import CommunicationsService

/// Every messaging and connections route answers as `/openapi.json` says — its successes and its
/// refusals — against the running service, and no route of theirs is left undocumented.
@Suite struct ConversationOpenAPITests {
    @Test func everyRouteAnswersAsTheDocumentSays() async throws {
        try await MessagingFixture.run(withProperties: true) { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let (ann, bob, cat) = (try await fixture.user(), try await fixture.user(), try await fixture.user())
            var seen: [(method: String, path: String, reply: JSONClient.Reply)] = []
            func call(_ method: HTTPMethod, _ template: String, _ url: String, _ body: String? = nil, _ user: MessagingFixture.User?) async throws
                -> JSONClient.Reply
            {
                let reply = try await fixture.client.send(method, url, json: body, token: user?.token)
                seen.append((method.rawValue, template, reply))
                return reply
            }
            let connections = "/v1/communications/connections"
            let asked = try await call(.POST, connections, connections, #"{"user_id":"\#(bob.path)","note":"hi"}"#, ann)
            let connection = try #require(asked.string("id"))
            _ = try await call(.POST, connections, connections, #"{"user_id":"\#(bob.path)"}"#, ann)
            _ = try await call(.POST, connections, connections, #"{"user_id":"x"}"#, ann)
            _ = try await call(.POST, connections, connections, #"{"user_id":"\#(bob.path)"}"#, nil)
            _ = try await call(.GET, connections, connections + "?status=pending", nil, bob)
            _ = try await call(.GET, connections, connections + "?status=nope", nil, bob)
            _ = try await call(.GET, "\(connections)/{id}", "\(connections)/\(connection)", nil, bob)
            _ = try await call(.GET, "\(connections)/{id}", "\(connections)/\(connection)", nil, cat)
            _ = try await call(.POST, "\(connections)/{id}/accept", "\(connections)/\(connection)/accept", nil, ann)
            _ = try await call(.POST, "\(connections)/{id}/accept", "\(connections)/\(connection)/accept", nil, bob)
            _ = try await call(.POST, "\(connections)/{id}/decline", "\(connections)/\(connection)/decline", nil, bob)
            let catAsks = try await call(.POST, connections, connections, #"{"user_id":"\#(bob.path)"}"#, cat)
            let catConnection = try #require(catAsks.string("id"))
            _ = try await call(.POST, "\(connections)/{id}/decline", "\(connections)/\(catConnection)/decline", nil, bob)
            _ = try await call(.DELETE, "\(connections)/{id}", "\(connections)/\(catConnection)", nil, cat)
            _ = try await call(.DELETE, "\(connections)/{id}", "\(connections)/\(catConnection)", nil, cat)
            _ = try await call(.POST, "\(connections)/blocks", "\(connections)/blocks", #"{"user_id":"\#(cat.path)"}"#, bob)
            _ = try await call(.POST, "\(connections)/blocks", "\(connections)/blocks", #"{"user_id":"\#(cat.path)"}"#, bob)
            _ = try await call(.POST, "\(connections)/blocks", "\(connections)/blocks", #"{"user_id":"\#(bob.path)"}"#, bob)
            _ = try await call(.GET, "\(connections)/blocks", "\(connections)/blocks", nil, bob)
            _ = try await call(.GET, "\(connections)/blocks", "\(connections)/blocks?cursor=nope", nil, bob)
            _ = try await call(.DELETE, "\(connections)/blocks/{user_id}", "\(connections)/blocks/\(cat.path)", nil, bob)
            _ = try await call(.DELETE, "\(connections)/blocks/{user_id}", "\(connections)/blocks/\(cat.path)", nil, bob)

            let conversations = "/v1/communications/conversations"
            let opened = try await call(.POST, conversations, conversations, #"{"kind":"direct","user_id":"\#(bob.path)"}"#, ann)
            _ = try await call(.POST, conversations, conversations, #"{"kind":"direct","user_id":"\#(ann.path)"}"#, bob)
            _ = try await call(.POST, conversations, conversations, #"{"kind":"direct","user_id":"\#(cat.path)"}"#, ann)
            _ = try await call(.POST, conversations, conversations, #"{"kind":"sponsor","property_id":"\#(UUID())"}"#, ann)
            _ = try await call(.POST, conversations, conversations, #"{"kind":"group","name":"x","member_ids":[]}"#, ann)
            let group = try await call(.POST, conversations, conversations, #"{"kind":"group","name":"Deal","member_ids":["\#(bob.path)"]}"#, ann)
            let id = try #require(opened.string("id"))
            let groupID = try #require(group.string("id"))
            let one = "\(conversations)/{id}"
            _ = try await call(.GET, conversations, conversations, nil, ann)
            _ = try await call(.GET, conversations, conversations + "?kind=x", nil, ann)
            _ = try await call(.GET, "\(conversations)/unread", "\(conversations)/unread", nil, bob)
            _ = try await call(.GET, "\(conversations)/unread", "\(conversations)/unread", nil, nil)
            _ = try await call(.GET, one, "\(conversations)/\(id)", nil, ann)
            _ = try await call(.GET, one, "\(conversations)/\(id)", nil, cat)
            let sent = try await call(.POST, "\(one)/messages", "\(conversations)/\(id)/messages", #"{"body":"hello"}"#, ann)
            _ = try await call(.POST, "\(one)/messages", "\(conversations)/\(id)/messages", #"{"body":""}"#, ann)
            _ = try await call(.POST, "\(one)/messages", "\(conversations)/\(id)/messages", #"{"body":"x","attachments":["\#(UUID())"]}"#, ann)
            _ = try await call(.POST, "\(one)/messages", "\(conversations)/\(id)/messages", #"{"body":"x"}"#, cat)
            _ = try await call(.GET, "\(one)/messages", "\(conversations)/\(id)/messages", nil, bob)
            _ = try await call(.GET, "\(one)/messages", "\(conversations)/\(id)/messages?limit=0", nil, bob)
            let message = try #require(sent.string("id"))
            let messagePath = "\(one)/messages/{message_id}"
            _ = try await call(.PATCH, messagePath, "\(conversations)/\(id)/messages/\(message)", #"{"body":"hello!"}"#, ann)
            _ = try await call(.PATCH, messagePath, "\(conversations)/\(id)/messages/\(message)", #"{"body":"mine"}"#, bob)
            _ = try await call(.PATCH, messagePath, "\(conversations)/\(id)/messages/\(message)", #"{"text":"x"}"#, ann)
            _ = try await call(.POST, "\(one)/read", "\(conversations)/\(id)/read", #"{"message_id":"\#(message)"}"#, bob)
            _ = try await call(.POST, "\(one)/read", "\(conversations)/\(id)/read", #"{"message_id":"\#(UUID())"}"#, bob)
            _ = try await call(.GET, "\(one)/members", "\(conversations)/\(id)/members", nil, bob)
            _ = try await call(.GET, "\(one)/members", "\(conversations)/\(id)/members", nil, cat)
            _ = try await call(.POST, "\(one)/members", "\(conversations)/\(groupID)/members", #"{"member_ids":["\#(cat.path)"]}"#, ann)
            try await fixture.connect(ann, cat)
            _ = try await call(.POST, "\(one)/members", "\(conversations)/\(groupID)/members", #"{"member_ids":["\#(cat.path)"]}"#, ann)
            _ = try await call(.POST, "\(one)/members", "\(conversations)/\(id)/members", #"{"member_ids":["\#(bob.path)"]}"#, ann)
            _ = try await call(.DELETE, messagePath, "\(conversations)/\(id)/messages/\(message)", nil, bob)
            _ = try await call(.DELETE, messagePath, "\(conversations)/\(id)/messages/\(message)", nil, ann)
            _ = try await call(.POST, "\(one)/leave", "\(conversations)/\(id)/leave", nil, ann)
            _ = try await call(.POST, "\(one)/leave", "\(conversations)/\(groupID)/leave", nil, bob)
            _ = try await call(.POST, "\(one)/leave", "\(conversations)/\(groupID)/leave", nil, bob)

            for (method, path, reply) in seen {
                let found = OpenAPIConformance.problems(
                    in: document, method: method, path: path, status: reply.status, contentType: reply.headers.first(name: "Content-Type") ?? "",
                    body: reply.text)
                #expect(found.isEmpty, "\(method) \(path) \(reply.status): \(found)")
                if let schema = OpenAPIConformance.responseSchema(in: document, method: method, path: path, status: reply.status), !reply.text.isEmpty
                {
                    let mismatches = OpenAPIConformance.schemaProblems(reply.json, against: schema, in: document)
                    #expect(mismatches.isEmpty, "\(method) \(path) \(reply.status): \(mismatches)")
                }
            }
            // Every operation of the two areas was exercised, with at least one success and one refusal.
            var documented: Set<String> = []
            if case .object(let paths)? = document["paths"] {
                for (path, item) in paths where path.hasPrefix(conversations) || path.hasPrefix(connections) {
                    if case .object(let operations) = item { for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") } }
                }
            }
            #expect(documented == Set(seen.map { "\($0.method) \($0.path)" }))
            for operation in documented {
                let replies = seen.filter { "\($0.method) \($0.path)" == operation }.map(\.reply.status)
                #expect(replies.contains { $0 < 300 } && replies.contains { $0 >= 400 }, "\(operation): \(replies)")
            }
        }
    }

    /// The message body's `pattern` in the served document refuses exactly what the service
    /// refuses (so a client, or schemathesis, knows beforehand), and an unpaired surrogate escape,
    /// which is not JSON text, is the kit's 400 for a malformed body.
    @Test func theMessageBodyPatternRefusesWhatTheServiceRefuses() async throws {
        try await MessagingFixture.run(withProperties: false) { fixture in
            let document = try await fixture.client.get("/openapi.json").json
            let (ann, bob) = (try await fixture.user(), try await fixture.user())
            try await fixture.connect(ann, bob)
            let conversation = try await fixture.direct(ann, bob)
            let operation = document["paths"]?["/v1/communications/conversations/{id}/messages"]?["post"]
            let body = operation?["requestBody"]?["content"]?["application/json"]?["schema"]?["properties"]?["body"]
            guard case .string(let source)? = body?["pattern"] else {
                Issue.record("the message body has no pattern")
                return
            }
            let pattern = try NSRegularExpression(pattern: source)
            let samples = [
                "hello", "a\tb", "a\r\nb", "a\nb", "é😀", "\u{A0}x", "a\rb", "a\u{0}b", "a\u{1B}b",
                "a\u{7F}b", "a\u{85}b", "a\u{9F}b", "a\u{0B}b", "   ", "\n\t",
            ]
            for sample in samples {
                let reply = try await fixture.post(conversation, sample, by: ann)
                let matches = pattern.firstMatch(in: sample, range: NSRange(sample.startIndex..., in: sample)) != nil
                #expect((reply.status == 201) == matches, "\(sample.unicodeScalars.map { String($0.value, radix: 16) }): \(reply.status)")
                #expect([201, 422].contains(reply.status))
            }
            let messages = "/v1/communications/conversations/\(conversation)/messages"
            let lone = try await fixture.client.post(messages, #"{"body":"\ud949"}"#, token: ann.token)
            #expect(lone.status == 400)
        }
    }
}
