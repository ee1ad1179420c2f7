import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One webhook attempt over the wire: the SSRF guard's check of the target, then a POST to the
/// address it checked, redirects never followed (a 3xx is an answer like any other, so a receiver
/// cannot bounce the request into the private network), the response read to its first KiB.
struct WebhookSender: Sendable {
    let resolver: WebhookResolver
    let timeout: Duration

    static let excerptBytes = 1024

    /// What one attempt came to.
    struct Outcome: Sendable, Equatable {
        /// nil when no response came (refused, timed out, the target not allowed).
        var status: Int?
        var retryAfter: String?
        /// The response body's first KiB as text (a cut character is dropped).
        var excerpt: String?
        var error: String?
        var durationMilliseconds: Int
    }

    func post(_ url: URL, headers: [(String, String)], body: String) async -> Outcome {
        let started = ContinuousClock.now
        func elapsed() -> Int {
            let duration = ContinuousClock.now - started
            return Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        }
        guard let host = url.host, !host.isEmpty else { return Outcome(error: "the URL has no host", durationMilliseconds: 0) }
        let address: String
        switch await self.resolver.address(for: host) {
        case .success(let checked): address = checked
        case .failure(let refusal): return Outcome(error: "refused: \(refusal.message)", durationMilliseconds: elapsed())
        }
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(Int64(self.timeout.components.seconds))))
        // The connection goes to the checked address; TLS still names and verifies the host.
        configuration.dnsOverride = [Self.bareHost(host): address]
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { client.shutdown { _ in } }

        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(self.timeout.components.seconds)))
            var collected: [UInt8] = []
            do {
                for try await chunk in response.body {
                    collected += chunk.readableBytesView.prefix(Self.excerptBytes + 4 - collected.count)
                    if collected.count > Self.excerptBytes { break }
                }
            } catch {
                // The status is what counts; a body cut short is still an excerpt.
            }
            return Outcome(
                status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"),
                excerpt: Self.excerpt(collected), durationMilliseconds: elapsed())
        } catch {
            return Outcome(error: Self.describe(error), durationMilliseconds: elapsed())
        }
    }

    /// The first KiB as text: invalid UTF-8 replaced, NULs dropped (Postgres text refuses them),
    /// then cut back to whole characters within 1024 bytes.
    static func excerpt(_ bytes: [UInt8]) -> String? {
        guard !bytes.isEmpty else { return nil }
        var text = String(decoding: bytes.prefix(Self.excerptBytes), as: UTF8.self).replacingOccurrences(of: "\u{0}", with: "")
        while text.utf8.count > Self.excerptBytes { text.removeLast() }
        return text
    }

    static func bareHost(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .readTimeout, .deadlineExceeded: return "timed out waiting for the response"
            default: return "HTTP error: \(error)".prefix(500).description
            }
        }
        return "could not deliver: \(String(describing: error))".prefix(500).description
    }
}
