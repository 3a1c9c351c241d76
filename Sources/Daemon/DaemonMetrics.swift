import Metrics
import Prometheus

/// The daemon's metrics: a Prometheus registry behind swift-metrics, shown by the listener's `/metrics`.
public struct DaemonMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Makes the registry the process's metrics backend; call once, before the engine is made.
    public func bootstrap() {
        MetricsSystem.bootstrap(Self.factory(registry))
    }

    /// Prometheus behind swift-metrics; tick durations get buckets from 10 ms to 10 minutes.
    static func factory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["campaignd_tick_duration_seconds"] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        ]
        return factory
    }
}
