import AsyncHTTPClient
import Foundation
import HTTPTypes
import Models
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The request id and trace an internal call continues.
public struct CallContext: Sendable {
    public var requestID: String
    public var traceParent: TraceParent

    public init(requestID: String, traceParent: TraceParent) {
        self.requestID = requestID
        self.traceParent = traceParent
    }

    /// For work that no request started: the span it runs in (an event's handling, a delivery)
    /// when there is one, else a fresh trace.
    public static func background(requestID: String = UUID().uuidString.lowercased()) -> CallContext {
        CallContext(requestID: requestID, traceParent: TraceParent.current ?? .random())
    }
}

extension TractRequestContext {
    public var callContext: CallContext { CallContext(requestID: self.requestID, traceParent: self.traceParent) }
}

extension AuthenticatedContext {
    public var callContext: CallContext { CallContext(requestID: self.requestID, traceParent: self.traceParent) }
}

public enum InternalCallError: Error, CustomStringConvertible {
    case status(Int, String)
    case transport(String)

    public var description: String {
        switch self {
        case .status(let code, let body): "HTTP \(code): \(body.prefix(300))"
        case .transport(let reason): "transport error: \(reason)"
        }
    }
}

/// How services call each other: JSON over HTTP with a service token, the caller's `X-Request-Id`
/// and the `traceparent` of the call's own client span, a timeout on every call, and retries only where repeating is safe
/// (idempotent methods, or a POST carrying an `Idempotency-Key`).
public struct InternalHTTPClient: Sendable {
    let httpClient: HTTPClient
    let tokens: any ServiceTokenProvider
    let timeout: Duration
    let maximumAttempts: Int

    /// Connections `transport` keeps open to one peer. AsyncHTTPClient queues requests beyond them
    /// and counts the wait against the connect timeout, so work that fans out to a peer (the outbox
    /// dispatcher) keeps fewer than this in flight.
    public static let connectionsPerPeer = 16

    /// One client for all internal calls in the process. Unlike `HTTPClient.shared` it does not keep
    /// retrying a refused connection until the deadline: a peer that is down should fail the call at
    /// once, so the caller (the outbox's schedule, a user waiting) decides what happens next.
    public static let transport: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = Self.connectionsPerPeer
        configuration.timeout.connect = .seconds(2)
        // `send` makes the call's span and its `traceparent`; AsyncHTTPClient's own would be a second.
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public init(
        httpClient: HTTPClient = InternalHTTPClient.transport,
        tokens: any ServiceTokenProvider,
        timeout: Duration = .seconds(5),
        maximumAttempts: Int = 3
    ) {
        self.httpClient = httpClient
        self.tokens = tokens
        self.timeout = timeout
        self.maximumAttempts = maximumAttempts
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: ByteBuffer
        /// What a caller passes on (a peer's `Retry-After`).
        public var headers: HTTPHeaders = [:]

        public func decode<T: Decodable>(as type: T.Type) throws -> T {
            try JSONDecoder.tract.decode(T.self, from: Data(self.body.readableBytesView))
        }
    }

    /// Sends one request and returns whatever status came back; throws only when no answer came.
    public func send(
        _ method: HTTPMethod,
        _ url: URL,
        json body: String? = nil,
        idempotencyKey: String? = nil,
        retries: Bool = true,
        context: CallContext
    ) async throws -> Reply {
        let retryable = retries && ([.GET, .HEAD, .PUT, .DELETE, .OPTIONS].contains(method) || idempotencyKey != nil)
        // One client span for the call, retries included; the peer's server span is its child.
        return try await TraceSpans.run(method.rawValue, kind: .client, parent: context.traceParent) { span in
            span.set("http.request.method", method.rawValue)
            span.set("url.path", url.path)
            span.set("server.address", url.host ?? "")
            var call = context
            call.traceParent = span.trace
            var attempt = 1
            while true {
                do {
                    let reply = try await self.sendOnce(method, url, body, idempotencyKey, call)
                    // 502–504 mean the peer (or a proxy before it) did not handle the request.
                    if retryable, [502, 503, 504].contains(reply.status), attempt < self.maximumAttempts {
                        attempt += 1
                        try await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
                        continue
                    }
                    span.set("http.response.status_code", reply.status)
                    if reply.status >= 500 { span.fail("HTTP \(reply.status)") }
                    return reply
                } catch let error as InternalCallError {
                    guard retryable, attempt < self.maximumAttempts else {
                        span.fail("\(error)")
                        throw error
                    }
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(100 * (1 << attempt)))
                }
            }
        }
    }

    private func sendOnce(
        _ method: HTTPMethod,
        _ url: URL,
        _ body: String?,
        _ idempotencyKey: String?,
        _ context: CallContext
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "X-Request-Id", value: context.requestID)
        request.headers.add(name: "traceparent", value: context.traceParent.description)
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if let token = try await self.tokens.token() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        do {
            let response = try await self.httpClient.execute(request, timeout: .init(self.timeout))
            let bytes = try await response.body.collect(upTo: 8 << 20)
            return Reply(status: Int(response.status.code), body: bytes, headers: response.headers)
        } catch {
            throw InternalCallError.transport("\(error)")
        }
    }

    /// Delivers one event envelope; anything but a 2xx is a failure to retry later.
    func postEvent(envelopeJSON: String, eventID: UUID?, to url: URL, context: CallContext) async throws {
        let reply = try await self.send(
            .POST,
            url,
            json: envelopeJSON,
            idempotencyKey: eventID?.uuidString.lowercased(),
            // The outbox keeps its own schedule of retries, with backoff that survives restarts.
            retries: false,
            context: context
        )
        guard (200..<300).contains(reply.status) else {
            throw InternalCallError.status(reply.status, String(buffer: reply.body))
        }
    }

    /// Delivers several envelopes in one request (`EventBatch`); the receipts by event id. Anything
    /// but a 2xx with receipts fails every event in it.
    func postEvents(envelopesJSON: [String], to url: URL, context: CallContext) async throws -> [UUID: EventInbox.Receipt] {
        // The envelopes are the outbox's JSON as stored: joined, not decoded and encoded again.
        let body = #"{"events":["# + envelopesJSON.joined(separator: ",") + "]}"
        let reply = try await self.send(.POST, url, json: body, retries: false, context: context)
        guard (200..<300).contains(reply.status) else {
            throw InternalCallError.status(reply.status, String(buffer: reply.body))
        }
        let receipts: EventBatch.Receipts
        do {
            receipts = try JSONDecoder.tract.decode(EventBatch.Receipts.self, from: reply.body)
        } catch {
            throw InternalCallError.transport("the subscriber's receipts could not be read: \(error)")
        }
        return Dictionary(receipts.receipts.map { ($0.eventId, $0) }, uniquingKeysWith: { first, _ in first })
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
