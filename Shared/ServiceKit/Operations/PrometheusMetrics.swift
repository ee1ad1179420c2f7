import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// The process-wide Prometheus registry behind `GET /metrics`.
///
/// swift-metrics allows one bootstrap per process, so the registry is created once and shared;
/// tests that build several applications in one process all report into it.
public enum PrometheusMetrics {
    private static let state = NIOLockedValueBox<PrometheusCollectorRegistry?>(nil)

    public static var registry: PrometheusCollectorRegistry {
        self.state.withLockedValue { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: created)
            // Request latencies: 1 ms to 10 s, fine enough to read p50/p99 from.
            factory.defaultDurationHistogramBuckets = [
                .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                .seconds(2), .seconds(5), .seconds(10),
            ]
            MetricsSystem.bootstrap(factory)
            registry = created
            return created
        }
    }

    /// The registry in Prometheus text exposition format.
    public static func render() -> String {
        var buffer: [UInt8] = []
        self.registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
