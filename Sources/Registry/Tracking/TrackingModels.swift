/// An experiment: a named group of runs.
public struct Experiment: Sendable, Hashable {
    public var id: String
    public var name: String
    public var artifactLocation: String
    /// `active` or `deleted`.
    public var lifecycleStage: String
    /// Milliseconds since the epoch, as MLflow counts.
    public var creationTime: Int64
    public var lastUpdateTime: Int64
    public var tags: [String: String]
}

/// One logged value of a metric.
public struct Metric: Sendable, Hashable {
    public var key: String
    public var value: Double
    /// Milliseconds since the epoch.
    public var timestamp: Int64
    public var step: Int64

    /// A metric value.
    public init(key: String, value: Double, timestamp: Int64, step: Int64 = 0) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }
}

/// A run: one execution of training code, with its params, metrics and tags.
public struct Run: Sendable, Hashable {
    public var id: String
    public var experimentID: String
    public var name: String
    /// `RUNNING`, `SCHEDULED`, `FINISHED`, `FAILED` or `KILLED`.
    public var status: String
    public var startTime: Int64
    public var endTime: Int64?
    public var lifecycleStage: String
    public var artifactURI: String
    public var params: [String: String]
    /// The latest value of each metric (greatest step, then timestamp).
    public var metrics: [String: Metric]
    public var tags: [String: String]
}
