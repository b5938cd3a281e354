import Prometheus

/// What `GET /metrics` reports, in Prometheus's text format: requests, errors and latency per endpoint, and the
/// online store's read latency and entities not found.
final class ServerMetrics: Sendable {
    /// Latency buckets from 50 µs (a served feature read) to 10 s (a large search or upload).
    static let buckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
    ]

    private let registry = PrometheusCollectorRegistry()

    /// Records one answered request: `route` is the matched path template, so label values stay few.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method)]
        registry.makeCounter(
            descriptor: .init(namespace: "kite", metricName: "http_requests", unitName: "total", helpText: "Requests answered."),
            labels: labels + [("status", String(status))]
        ).increment()
        if status >= 400 {
            registry.makeCounter(
                descriptor: .init(namespace: "kite", metricName: "http_errors", unitName: "total", helpText: "Requests answered with 4xx or 5xx."),
                labels: labels + [("status", String(status))]
            ).increment()
        }
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "kite", metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer a request."),
            labels: labels, buckets: Self.buckets
        ).record(duration)
    }

    /// Records one online-store read of `entities` keys, `notFound` of which had no row.
    func onlineRead(duration: Duration, entities: Int, notFound: Int) {
        registry.makeDurationHistogram(
            descriptor: .init(namespace: "kite", metricName: "online_store_read_duration", unitName: "seconds", helpText: "Time of one online-store read."),
            labels: [], buckets: Self.buckets
        ).record(duration)
        registry.makeCounter(
            descriptor: .init(namespace: "kite", metricName: "online_entities_read", unitName: "total", helpText: "Entity keys read from the online store."),
            labels: []
        ).increment(by: Int64(entities))
        registry.makeCounter(
            descriptor: .init(
                namespace: "kite", metricName: "online_entities_not_found", unitName: "total", helpText: "Entity keys with no row in a view read."),
            labels: []
        ).increment(by: Int64(notFound))
    }

    /// The exposition text.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
