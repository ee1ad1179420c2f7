import Logging
import Models
import OTel
import ServiceLifecycle
import Synchronization
import Tracing

/// Span export with swift-otel's OTLP/HTTP exporter, on only when an OTLP endpoint is configured.
///
/// swift-otel reads the standard OpenTelemetry variables itself (endpoint, protocol, headers,
/// sampler, batch delays, resource attributes); the kit decides only whether to start it, names the
/// service, and leaves logs and metrics where they are (JSON on stdout, Prometheus on /metrics).
public enum TraceExport {
    private static let bootstrapped = Atomic<Bool>(false)

    /// Whether this process exports spans; `TraceSpans` asks on every span, so it is one atomic load.
    static var isOn: Bool { Self.bootstrapped.load(ordering: .relaxed) }

    /// Whether the environment asks for export: an OTLP endpoint for traces is set and the SDK is
    /// not disabled. Throws, naming the variable, for settings the kit cannot honour (a gRPC
    /// protocol: only the OTLP/HTTP exporter is built in).
    public static func isRequested(_ environment: EnvironmentReader) throws -> Bool {
        if try environment.boolean("OTEL_SDK_DISABLED", default: false) { return false }
        if environment.optionalString("OTEL_TRACES_EXPORTER")?.lowercased() == "none" { return false }
        let endpointVariable = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
            .first { environment.optionalString($0) != nil }
        guard let endpointVariable else { return false }
        _ = try environment.url(endpointVariable, default: nil)
        for variable in ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"] {
            guard let value = environment.optionalString(variable) else { continue }
            guard ["http/protobuf", "http/json"].contains(value) else {
                throw ConfigurationError(variable: variable, reason: "must be http/protobuf or http/json, got \"\(value)\"")
            }
        }
        return true
    }

    /// Installs the OTLP tracer for the whole process and returns the service that batches and
    /// sends its spans (it must run for anything to leave; on shutdown it sends what is left).
    /// Once per process: later calls (tests build many applications in one process) return nil.
    public static func bootstrap(service: ServiceName, logger: Logger) throws -> (any Service)? {
        guard !Self.bootstrapped.load(ordering: .acquiring) else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "tract-\(service.rawValue)"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogger = .custom(logger)
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        guard Self.bootstrapped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return nil }
        InstrumentationSystem.bootstrap(backend.factory)
        logger.info("exporting spans over OTLP/HTTP")
        return backend.service
    }
}
