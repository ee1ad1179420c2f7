import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Plain HTTP calls to the running processes, as an app would make them.
enum SystemClient {
    struct Reply {
        var status: Int
        var text: String
        var headers: HTTPHeaders = [:]

        func string(_ key: String) -> String? {
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
            return object[key] as? String
        }
    }

    static func send(
        _ method: HTTPMethod, _ url: String, _ json: String? = nil, token: String? = nil, idempotencyKey: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
        return Reply(
            status: Int(response.status.code), text: String(buffer: try await response.body.collect(upTo: 1 << 20)), headers: response.headers)
    }

    static func signIn(_ suite: RunningSuite, _ email: String, _ password: String) async throws -> Reply {
        try await send(
            .POST, "\(suite.auth)/v1/auth/token",
            #"{"grant_type":"password","email":"\#(email)","password":"\#(password)"}"#)
    }

    /// The `token=` query value of the first link in a mail.
    static func token(in text: String) -> String? {
        guard let range = text.range(of: #"token=[A-Za-z0-9_\-]+"#, options: .regularExpression) else { return nil }
        return String(text[range].dropFirst("token=".count))
    }
}
