import Prometheus
import Synchronization

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

    /// The metrics of one model version, made once: looking them up in the registry per request (it builds their
    /// names under a lock) cost more than recording.
    private struct PredictionHandles: Sendable {
        var requests: Counter
        var rows: Counter
        var parts: [String: DurationHistogram]
        var values: ValueHistogram
    }

    private let predictionHandles = Mutex<[String: PredictionHandles]>([:])

    private struct RequestHandles: Sendable {
        var requests: Counter
        var errors: Counter?
        var duration: DurationHistogram
    }

    private let requestHandles = Mutex<[String: RequestHandles]>([:])

    /// Records one answered request: `route` is the matched path template, so label values stay few.
    func request(route: String, method: String, status: Int, duration: Duration) {
        let handles = requestHandles.withLock { cache in
            let key = "\(route)\u{0}\(method)\u{0}\(status)"
            if let found = cache[key] { return found }
            let labels = [("route", route), ("method", method)]
            let made = RequestHandles(
                requests: registry.makeCounter(
                    descriptor: .init(namespace: "kite", metricName: "http_requests", unitName: "total", helpText: "Requests answered."),
                    labels: labels + [("status", String(status))]),
                errors: status >= 400
                    ? registry.makeCounter(
                        descriptor: .init(
                            namespace: "kite", metricName: "http_errors", unitName: "total", helpText: "Requests answered with 4xx or 5xx."),
                        labels: labels + [("status", String(status))]) : nil,
                duration: registry.makeDurationHistogram(
                    descriptor: .init(namespace: "kite", metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer a request."),
                    labels: labels, buckets: Self.buckets))
            cache[key] = made
            return made
        }
        handles.requests.increment()
        handles.errors?.increment()
        handles.duration.record(duration)
    }

    private let onlineReadDuration: DurationHistogram
    private let onlineEntitiesRead: Counter
    private let onlineEntitiesNotFound: Counter

    init() {
        onlineReadDuration = registry.makeDurationHistogram(
            descriptor: .init(namespace: "kite", metricName: "online_store_read_duration", unitName: "seconds", helpText: "Time of one online-store read."),
            labels: [], buckets: Self.buckets)
        onlineEntitiesRead = registry.makeCounter(
            descriptor: .init(namespace: "kite", metricName: "online_entities_read", unitName: "total", helpText: "Entity keys read from the online store."),
            labels: [])
        onlineEntitiesNotFound = registry.makeCounter(
            descriptor: .init(
                namespace: "kite", metricName: "online_entities_not_found", unitName: "total", helpText: "Entity keys with no row in a view read."),
            labels: [])
    }

    /// Records one online-store read of `entities` keys, `notFound` of which had no row.
    func onlineRead(duration: Duration, entities: Int, notFound: Int) {
        onlineReadDuration.record(duration)
        onlineEntitiesRead.increment(by: Int64(entities))
        onlineEntitiesNotFound.increment(by: Int64(notFound))
    }

    /// Buckets for the parts of a prediction, from 10 µs (a model on one row) to 100 ms.
    static let predictionBuckets: [Duration] = [
        .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
    ]

    /// Records `requests` answered prediction requests of `model` at `version` (one, or a shadow's batch): their
    /// rows, the time of each part (`total`, `features`, `preprocessing`, `model`), and each row's probability
    /// (classifiers) or value (regressors).
    func prediction(model: String, version: Int64, requests: Int, rows: Int, parts: [(name: String, duration: Duration)], values: [Double], probabilities: Bool)
    {
        let handles = predictionHandles.withLock { cache in
            let key = "\(model)\u{0}\(version)"
            if let found = cache[key] { return found }
            let made = makePredictionHandles(model: model, version: version, probabilities: probabilities)
            cache[key] = made
            return made
        }
        handles.requests.increment(by: Int64(requests))
        handles.rows.increment(by: Int64(rows))
        for (part, duration) in parts { handles.parts[part]?.record(duration) }
        for value in values { handles.values.record(value) }
    }

    private func makePredictionHandles(model: String, version: Int64, probabilities: Bool) -> PredictionHandles {
        let labels = [("model", model), ("version", String(version))]
        var parts: [String: DurationHistogram] = [:]
        for part in ["total", "features", "preprocessing", "model"] {
            parts[part] = registry.makeDurationHistogram(
                descriptor: .init(
                    namespace: "kite", metricName: "prediction_duration", unitName: "seconds",
                    helpText: "Time of a prediction request and of its parts (features, preprocessing, model)."),
                labels: labels + [("part", part)], buckets: Self.predictionBuckets)
        }
        return PredictionHandles(
            requests: registry.makeCounter(
                descriptor: .init(namespace: "kite", metricName: "prediction_requests", unitName: "total", helpText: "Prediction requests answered."),
                labels: labels),
            rows: registry.makeCounter(
                descriptor: .init(namespace: "kite", metricName: "predictions", unitName: "total", helpText: "Rows predicted."), labels: labels),
            parts: parts,
            values: registry.makeValueHistogram(
                descriptor: .init(
                    namespace: "kite", metricName: "prediction_value", unitName: "", helpText: "Predicted probabilities (classifiers) or values (regressors)."),
                labels: labels,
                buckets: probabilities ? stride(from: 0.1, through: 1.0, by: 0.1).map { $0 } : [-1000, -100, -10, -1, 0, 1, 10, 100, 1000]))
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

    /// The shadow rows dropped so far because the shadows' queue was full.
    func shadowRowsDropped(_ rows: Int) {
        registry.makeGauge(
            descriptor: .init(
                namespace: "kite", metricName: "shadow_rows_dropped", unitName: "rows",
                helpText: "Rows an experiment's shadow versions did not score because their queue was full."),
            labels: []
        ).set(Int64(rows))
    }

    /// The exposition text.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
