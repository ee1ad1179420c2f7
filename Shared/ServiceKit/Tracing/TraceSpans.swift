import Tracing

/// The kit's spans: the server span of each request, the client span of each internal call, an
/// outbox delivery, an event's handling. One code path whether spans are exported or not:
///
/// - Export off (the default): no tracer is asked for anything. A span is only its `TraceParent`
///   (the caller's trace id, a new span id), carried in `TraceParent.current` so logs, internal
///   calls and published events continue the trace.
/// - Export on (`TraceExport` bootstrapped swift-otel): each span is a real one, started as a child
///   of `parent` (W3C `traceparent`, the only format the kit speaks), and its `TraceParent` is the
///   span's own ids, so what the logs and the next hop see is exactly what is exported.
public enum TraceSpans {
    /// Runs `body` inside a new span that continues `parent` (a new trace when there is none).
    public static func run<T>(
        _ name: String,
        kind: SpanHandle.Kind,
        parent: TraceParent?,
        _ body: (SpanHandle) async throws -> T
    ) async rethrows -> T {
        guard TraceExport.isOn else {
            let handle = SpanHandle(trace: parent?.child() ?? .random(), span: nil)
            return try await TraceParent.$current.withValue(handle.trace) { try await body(handle) }
        }
        var context = ServiceContext.topLevel
        if let parent {
            InstrumentationSystem.instrument.extract(
                ["traceparent": parent.description], into: &context, using: TraceHeaderCarrier())
        }
        return try await withSpan(name, context: context, ofKind: kind.tracing) { span in
            var headers: [String: String] = [:]
            InstrumentationSystem.instrument.inject(span.context, into: &headers, using: TraceHeaderCarrier())
            // A tracer that writes no W3C header (another OTEL_PROPAGATORS) still gets a trace in the logs.
            let trace = headers["traceparent"].flatMap(TraceParent.init(header:)) ?? parent?.child() ?? .random()
            let handle = SpanHandle(trace: trace, span: span)
            return try await TraceParent.$current.withValue(trace) { try await body(handle) }
        }
    }
}

/// The span a `TraceSpans.run` body is in: its ids, and the few things the kit records on it.
public struct SpanHandle: Sendable {
    /// What a span stands for (OpenTelemetry's span kinds), so callers need not import Tracing.
    public enum Kind: Sendable {
        /// A request this service answers.
        case server
        /// A call this service makes.
        case client
        /// An outbox delivery: the event leaving.
        case producer
        /// An event's handling.
        case consumer
        case `internal`

        var tracing: SpanKind {
            switch self {
            case .server: .server
            case .client: .client
            case .producer: .producer
            case .consumer: .consumer
            case .internal: .internal
            }
        }
    }

    /// This span's trace id and span id, as the `traceparent` a call made from inside it carries.
    public let trace: TraceParent
    let span: (any Span)?

    /// Names the span once more is known (a server span learns its route after routing).
    public func rename(_ name: String) {
        self.span?.operationName = name
    }

    public func set(_ attribute: String, _ value: String) {
        self.span?.attributes[attribute] = value
    }

    public func set(_ attribute: String, _ value: Int) {
        self.span?.attributes[attribute] = value
    }

    /// Marks the span failed (a 5xx answer, a delivery that will be retried).
    public func fail(_ reason: String) {
        self.span?.setStatus(SpanStatus(code: .error, message: reason))
    }
}

extension TraceParent {
    /// The span the current task runs in (set by `TraceSpans.run`): what a published event, an
    /// internal call without a request (`CallContext.background`) and every log line continue.
    @TaskLocal public static var current: TraceParent?
}

/// Reads and writes W3C headers in a plain dictionary, to hand one `traceparent` to the tracer and
/// read back the one it makes.
struct TraceHeaderCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }

    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
