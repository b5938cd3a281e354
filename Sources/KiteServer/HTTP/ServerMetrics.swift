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

    /// Buckets for the parts of a prediction, from 10 µs (a model on one row) to 100 ms.
    static let predictionBuckets: [Duration] = [
        .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
    ]

    /// Records one answered prediction request of `model` at `version`: its rows, the time of each part, and
    /// each row's probability (classifiers) or value (regressors).
    func prediction(model: String, version: Int64, rows: Int, parts: [(name: String, duration: Duration)], values: [Double], probabilities: Bool) {
        let labels = [("model", model), ("version", String(version))]
        registry.makeCounter(
            descriptor: .init(namespace: "kite", metricName: "prediction_requests", unitName: "total", helpText: "Prediction requests answered."),
            labels: labels
        ).increment()
        registry.makeCounter(
            descriptor: .init(namespace: "kite", metricName: "predictions", unitName: "total", helpText: "Rows predicted."), labels: labels
        ).increment(by: Int64(rows))
        for (part, duration) in parts {
            registry.makeDurationHistogram(
                descriptor: .init(
                    namespace: "kite", metricName: "prediction_duration", unitName: "seconds",
                    helpText: "Time of a prediction request and of its parts (features, preprocessing, model)."),
                labels: labels + [("part", part)], buckets: Self.predictionBuckets
            ).record(duration)
        }
        let histogram = registry.makeValueHistogram(
            descriptor: .init(namespace: "kite", metricName: "prediction_value", helpText: "Predicted probabilities (classifiers) or values (regressors)."),
            labels: labels,
            buckets: probabilities ? stride(from: 0.1, through: 1.0, by: 0.1).map { $0 } : [-1000, -100, -10, -1, 0, 1, 10, 100, 1000])
        for value in values { histogram.record(value) }
    }

    /// Records a prediction request of `model` that failed.
    func predictionError(model: String, status: Int) {
        registry.makeCounter(
            descriptor: .init(namespace: "kite", metricName: "prediction_errors", unitName: "total", helpText: "Prediction requests that failed."),
            labels: [("model", model), ("status", String(status))]
        ).increment()
    }

    /// The prediction log's counts, as of now.
    func predictionLog(written: Int, dropped: Int, buffered: Int) {
        for (name, value, help) in [
            ("prediction_log_written", written, "Prediction records written to the offline store."),
            ("prediction_log_dropped", dropped, "Prediction records dropped (buffer full or store failing)."),
            ("prediction_log_buffered", buffered, "Prediction records waiting to be written."),
        ] {
            registry.makeGauge(descriptor: .init(namespace: "kite", metricName: name, unitName: "records", helpText: help), labels: []).set(Int64(value))
        }
    }

    /// The exposition text.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
