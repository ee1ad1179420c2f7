import Logging
import ServiceKit
import Testing

/// Trace context without export (the default): spans are ids only, and every log line written
/// inside one names it. Export itself is tested across real processes (TraceJourneyTests).
@Suite struct TraceContextTests {
    @Test func aSpanContinuesItsParentsTraceAndIsTheCurrentOneInside() async throws {
        let caller = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(TraceParent.current == nil)
        let (outer, inner, seenInside) = await TraceSpans.run("outer", kind: .server, parent: caller) { outer in
            let inner = await TraceSpans.run("inner", kind: .client, parent: outer.trace) { $0.trace }
            return (outer.trace, inner, TraceParent.current)
        }
        #expect(outer.traceID == caller.traceID && outer.spanID != caller.spanID && outer.flags == caller.flags)
        #expect(inner.traceID == caller.traceID && inner.spanID != outer.spanID)
        #expect(seenInside == outer, "the inner span ended; the outer one is current again")
        #expect(TraceParent.current == nil)
        // No parent: a new trace.
        let fresh = await TraceSpans.run("alone", kind: .internal, parent: nil) { $0.trace }
        #expect(fresh.traceID != caller.traceID)
        // An internal call from background work inside a span continues it.
        let background = await TraceSpans.run("job", kind: .internal, parent: caller) { _ in CallContext.background() }
        #expect(background.traceParent.traceID == caller.traceID)
    }

    @Test func logLinesInsideASpanCarryItsTraceAndSpanIDs() async throws {
        let caller = try #require(TraceParent(header: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"))
        #expect(Logger.MetadataProvider.traceIDs.get().isEmpty)
        let (metadata, span) = await TraceSpans.run("request", kind: .server, parent: caller) { span in
            (Logger.MetadataProvider.traceIDs.get(), span.trace)
        }
        #expect(metadata["trace_id"] == .string(caller.traceID))
        #expect(metadata["span_id"] == .string(span.spanID))
        #expect(JSONLogHandler(label: "test", service: "test", level: .info).metadataProvider != nil)
    }

    @Test func exportIsOnOnlyForAnOTLPHTTPEndpoint() throws {
        func requested(_ values: [String: String]) throws -> Bool { try TraceExport.isRequested(EnvironmentReader(values)) }
        #expect(try !requested([:]))
        #expect(try requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]))
        #expect(try requested(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://collector/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"]))
        #expect(try !requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"]))
        #expect(try !requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"]))
        #expect(try !requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "  "]))
        #expect(throws: ConfigurationError(variable: "OTEL_EXPORTER_OTLP_ENDPOINT", reason: "must be an http(s) URL, got \"collector:4318\"")) {
            try requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"])
        }
        #expect(throws: ConfigurationError(variable: "OTEL_EXPORTER_OTLP_PROTOCOL", reason: "must be http/protobuf or http/json, got \"grpc\"")) {
            try requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"])
        }
        #expect(throws: ConfigurationError.self) {
            try requested(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "maybe"])
        }
    }
}
