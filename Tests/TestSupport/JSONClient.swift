import AsyncHTTPClient
import Foundation
import Models
import NIOCore
import NIOHTTP1

/// Talks JSON to a service on a real port, as a browser or another service would.
public struct JSONClient: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var text: String

        public var json: JSONValue {
            (try? JSONDecoder().decode(JSONValue.self, from: Data(self.text.utf8))) ?? .null
        }

        public subscript(key: String) -> JSONValue? { self.json[key] }

        public func string(_ key: String) -> String? {
            if case .string(let value)? = self.json[key] { return value }
            return nil
        }
    }

    public let baseURL: String

    public init(port: Int) {
        self.baseURL = "http://127.0.0.1:\(port)"
    }

    public func send(
        _ method: HTTPMethod,
        _ path: String,
        json body: String? = nil,
        contentType: String = "application/json",
        token: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }

    /// Raw bytes as the body (a file upload).
    public func send(_ method: HTTPMethod, _ path: String, body: [UInt8], contentType: String, token: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }

    public func post(_ path: String, _ body: String, token: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        try await self.send(.POST, path, json: body, token: token, headers: headers)
    }

    /// An `application/x-www-form-urlencoded` POST, as OAuth clients send.
    public func postForm(_ path: String, _ form: String) async throws -> Reply {
        try await self.send(.POST, path, json: form, contentType: "application/x-www-form-urlencoded")
    }

    public func get(_ path: String, token: String? = nil) async throws -> Reply {
        try await self.send(.GET, path, token: token)
    }
}
