import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// An OpenTelemetry collector's front door for the tests: accepts OTLP/HTTP `POST /v1/traces` in
/// the JSON encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), the one swift-otel can send that the
/// tests decode with Foundation alone (the protobuf types it generates are internal to it, and a
/// Python receiver would be one more process to start and wait for).
final class OTLPReceiver: Sendable {
    struct ReceivedSpan: Sendable, CustomStringConvertible {
        var service: String
        var name: String
        /// OTLP's `SpanKind`: 2 server, 3 client, 4 producer, 5 consumer.
        var kind: Int
        var traceID: String
        var spanID: String
        var parentSpanID: String?
        var attributes: [String: String]

        var description: String {
            "\(self.service) \"\(self.name)\" kind \(self.kind) trace \(self.traceID) span \(self.spanID) parent \(self.parentSpanID ?? "-")"
        }
    }

    private let received = Mutex<[ReceivedSpan]>([])
    /// Bodies that did not decode, so a test can say why it saw no spans.
    private let refused = Mutex<[String]>([])

    var spans: [ReceivedSpan] { self.received.withLock { $0 } }
    var failures: [String] { self.refused.withLock { $0 } }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            do {
                let export = try JSONDecoder().decode(ExportRequest.self, from: Data(body.readableBytesView))
                let spans = try export.resourceSpans.flatMap { resource in
                    let service = resource.resource?.attributes?.first { $0.key == "service.name" }?.value.text ?? ""
                    return try (resource.scopeSpans ?? []).flatMap { scope in
                        try (scope.spans ?? []).map { try $0.received(service: service) }
                    }
                }
                self.received.withLock { $0 += spans }
            } catch {
                self.refused.withLock { $0.append("\(error): \(String(buffer: body).prefix(500))") }
                return Response(status: .badRequest)
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return router
    }

    // MARK: The JSON encoding of ExportTraceServiceRequest (opentelemetry-proto, trace/v1).

    struct ExportRequest: Decodable {
        var resourceSpans: [ResourceSpans]
    }

    struct ResourceSpans: Decodable {
        var resource: Resource?
        var scopeSpans: [ScopeSpans]?
    }

    struct Resource: Decodable {
        var attributes: [KeyValue]?
    }

    struct ScopeSpans: Decodable {
        var spans: [Span]?
    }

    struct KeyValue: Decodable {
        var key: String
        var value: AnyValue
    }

    /// int64 values arrive as JSON strings (proto3 JSON), so every kind is read as text.
    struct AnyValue: Decodable {
        var stringValue: String?
        var intValue: String?
        var boolValue: Bool?

        var text: String? { self.stringValue ?? self.intValue ?? self.boolValue.map(String.init) }
    }

    struct Span: Decodable {
        var traceId: String
        var spanId: String
        var parentSpanId: String?
        var name: String
        var kind: Int?
        var attributes: [KeyValue]?

        func received(service: String) throws -> ReceivedSpan {
            ReceivedSpan(
                service: service,
                name: self.name,
                kind: self.kind ?? 0,
                traceID: try Self.hex(self.traceId, bytes: 16),
                spanID: try Self.hex(self.spanId, bytes: 8),
                parentSpanID: try self.parentSpanId.flatMap { $0.isEmpty ? nil : try Self.hex($0, bytes: 8) },
                attributes: Dictionary(
                    (self.attributes ?? []).compactMap { attribute in attribute.value.text.map { (attribute.key, $0) } },
                    uniquingKeysWith: { first, _ in first })
            )
        }

        /// OTLP/JSON says ids are hex; SwiftProtobuf's JSON writes `bytes` as base64. Both are read.
        static func hex(_ text: String, bytes: Int) throws -> String {
            if text.count == bytes * 2, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
            guard let data = Data(base64Encoded: text), data.count == bytes else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a \(bytes)-byte id: \(text)"))
            }
            return data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
