import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Models
import NIOCore
import ServiceKit
import TestSupport
import Testing

@testable import PropertiesService

/// properties with filesystem media, tested through its router (`app.test(.router)`, the client
/// `PagingSweep` takes), with the test's overrides (a fixed clock, predictable ids).
struct MediaRouterFixture: Sendable {
    let client: any TestClientProtocol
    let database: TestDatabase
    let issuer: TestIssuer

    static func run(
        overrides: ServiceOverrides = ServiceOverrides(runsOutboxDispatcher: false),
        _ body: @escaping @Sendable (MediaRouterFixture) async throws -> Void
    ) async throws {
        let issuer = try TestIssuer()
        try await issuer.serve { jwksURL in
            try await TestDatabase.with(services: [.properties]) { database in
                let root = FileManager.default.temporaryDirectory.appendingPathComponent("tract-media-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: root) }
                var settings = PropertiesSettings(censusGeocoderURL: PropertiesFixture.noGeocoder)
                settings.media = MediaSettings(backend: .filesystem(root: root))
                let app = try await buildApplication(
                    .forTesting(.properties, database: database, jwksURL: jwksURL), settings: settings, overrides: overrides
                )
                try await app.test(.router) { client in
                    try await body(MediaRouterFixture(client: client, database: database, issuer: issuer))
                }
            }
        }
    }

    /// A sponsor's user id and access token.
    func sponsor() async throws -> (id: UUID, token: String) {
        let id = UUID()
        return (id, try await self.issuer.token(subject: id.uuidString.lowercased(), roles: [.sponsor]))
    }

    /// A listing by the caller (a prospect: only its sponsor sees it).
    func property(token: String) async throws -> UUID {
        let created = try await self.send(
            .post, "/v1/properties", token: token, contentType: "application/json", body: Array(PropertyListingTests.elm.utf8))
        #expect(created.status == .created)
        var id: UUID?
        if case .string(let text)? = created.json["id"] { id = UUID(uuidString: text) }
        return try #require(id, "the created listing has no id")
    }

    struct Reply: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var json: JSONValue

        func string(_ key: String) -> String? {
            if case .string(let value)? = self.json[key] { return value }
            return nil
        }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, token: String, contentType: String? = nil, body: [UInt8]? = nil) async throws -> Reply {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        if let contentType { headers[.contentType] = contentType }
        return try await self.client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }) {
            response async throws in
            let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))) ?? .null
            return Reply(status: response.status, headers: response.headers, json: json)
        }
    }
}
