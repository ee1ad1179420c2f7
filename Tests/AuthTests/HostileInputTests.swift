import AsyncHTTPClient
import AuthService
import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

/// Bodies no honest client sends must be a 4xx problem+json, and the process must live on.
@Suite struct HostileInputTests {
    /// A form POST of raw bytes (the test client's `postForm` takes a String, so it cannot send
    /// bytes that are not UTF-8).
    static func postForm(_ port: Int, _ bytes: [UInt8]) async throws -> (status: Int, contentType: String?, text: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/auth/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), String(buffer: body))
    }

    /// Issue 11, item 1: each of these killed auth through `URLComponents.percentEncodedQuery`.
    @Test func malformedFormBodiesAre400AndTheServiceStaysUp() async throws {
        try await AuthFixture.run { auth in
            let port = try #require(Int(auth.client.baseURL.split(separator: ":").last ?? ""))
            let email = try await auth.verifiedUser()
            let bodies: [[UInt8]] = [
                Array("grant_type=password&email=a b&password=x".utf8),
                Array("grant_type=password&email=100%&password=x".utf8),
                Array("grant_type=password&email=%zz&password=x".utf8),
                Array("grant_type=password&email=a#b&password=x".utf8),
                Array("grant_type=password&email=".utf8) + [0xFF, 0xFE] + Array("&password=x".utf8),
                Array("grant_type=password&email=%C3%28&password=x".utf8),
                Array("grant_type=password&grant_type=client_credentials".utf8),
            ]
            for body in bodies {
                let reply = try await Self.postForm(port, body)
                #expect(reply.status == 400 || reply.status == 422, "\(reply.text)")
                #expect(reply.contentType == "application/problem+json")
                #expect(try await auth.client.get("/health/live").status == 200)
            }
            // A NUL in a form value is refused before it reaches Postgres.
            let nul = try await Self.postForm(port, Array("grant_type=password&email=a%00b&password=x".utf8))
            #expect(nul.status == 422 && nul.text.contains(#""field":"email""#))
            // A well-formed form body still signs in, with `+` and escapes decoded.
            let form = "grant_type=password&email=\(email.replacingOccurrences(of: "@", with: "%40"))&password=correct+horse%20battery"
            let signedIn = try await auth.client.postForm("/v1/auth/token", form)
            #expect(signedIn.status == 200)
            #expect(signedIn.string("access_token") != nil)
        }
    }
}
