import Foundation
import Models
import NIOHTTP1
import TestSupport
import Testing

@testable import PropertiesService

/// What the tests of a property's parts share: a listing to hang parts from, and whole-body checks
/// that leave out only what the server makes up (ids, timestamps).
extension PropertiesFixture {
    /// A listing of the caller's, published (`active`) with `visibility`, or left a private
    /// prospect when `visibility` is `nil`. Returns its id.
    func listing(_ token: String, visibility: String? = "investors", name: String = "The Elm Residences") async throws -> String {
        let body = PropertyListingTests.elm.replacingOccurrences(of: "The Elm Residences", with: name)
        let created = try await self.client.post("/v1/properties", body, token: token)
        try #require(created.status == 201, "\(created.text)")
        let id = try #require(created.string("id"))
        if let visibility {
            let published = try await self.client.send(
                .PATCH, "/v1/properties/\(id)", json: #"{"status": "active", "visibility": "\#(visibility)"}"#, token: token
            )
            try #require(published.status == 200, "\(published.text)")
        }
        return id
    }

    /// POSTs `body` and requires a 201; returns the reply.
    @discardableResult
    func create(_ path: String, _ body: String, token: String) async throws -> JSONClient.Reply {
        let reply = try await self.client.post(path, body, token: token)
        try #require(reply.status == 201, "POST \(path): \(reply.status) \(reply.text)")
        return reply
    }

    /// POSTs `body` and returns the new part's id.
    func createID(_ path: String, _ body: String, token: String) async throws -> String {
        try #require(try await self.create(path, body, token: token).string("id"))
    }

    func patch(_ path: String, _ body: String, token: String?) async throws -> JSONClient.Reply {
        try await self.client.send(.PATCH, path, json: body, token: token)
    }

    func delete(_ path: String, token: String?) async throws -> JSONClient.Reply {
        try await self.client.send(.DELETE, path, token: token)
    }

    /// Live and deleted rows of a table, as "live/deleted".
    func rows(_ table: String) async throws -> String {
        try await self.sql(
            "SELECT count(*) FILTER (WHERE deleted_at IS NULL) || '/' || count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM properties.\(table)"
        ).first ?? ""
    }
}

extension JSONClient.Reply {
    /// `key` of each row of a list page, in order.
    func column(_ key: String) -> [String] {
        guard case .array(let rows)? = self.json["data"] else { return [] }
        return rows.compactMap { if case .string(let value)? = $0[key] { value } else { nil } }
    }

    /// The fields a 422 names, in order.
    var invalidFields: [String] {
        guard case .array(let errors)? = self.json["errors"] else { return [] }
        return errors.compactMap { if case .string(let field)? = $0["field"] { field } else { nil } }
    }

    /// Expects the body, less what the server makes up, to be `expected`.
    func expectBody(_ expected: JSONValue, parents: [String] = ["property_id"], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(self.withoutServerFields(parents) == expected, sourceLocation: sourceLocation)
    }

    /// The body without what the server makes up (`id`, timestamps and the parents' ids), after
    /// checking those are there and well formed.
    func withoutServerFields(_ parents: [String] = ["property_id"]) -> JSONValue {
        guard case .object(var object) = self.json else { return self.json }
        for key in ["id", "created_at", "updated_at"] + parents {
            #expect(object[key] != nil, "\(key) missing from \(self.text)")
            object[key] = nil
        }
        for key in ["created_at", "updated_at"] {
            if case .string(let stamp)? = self.json[key] {
                #expect(stamp.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z/) != nil, "\(key): \(stamp)")
            }
        }
        return .object(object)
    }
}
