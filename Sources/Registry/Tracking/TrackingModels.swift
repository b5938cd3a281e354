import KiteCore

/// An experiment: a named group of runs.
public struct Experiment: Sendable, Hashable {
    public var id: String
    public var name: String
    public var artifactLocation: String
    /// `active` or `deleted`.
    public var lifecycleStage: String
    /// Microseconds since the epoch, UTC (MLflow's milliseconds exist only in its JSON).
    public var creationTime: Int64
    public var lastUpdateTime: Int64
    public var tags: [String: String]
}

/// A dataset a run used, with its tags (such as `mlflow.data.context` = `training`).
public struct DatasetInput: Sendable, Hashable, Codable {
    public var name: String
    public var digest: String
    public var sourceType: String
    public var source: String
    public var schema: String?
    public var profile: String?
    public var tags: [String: String]

    /// A dataset input.
    public init(name: String, digest: String, sourceType: String, source: String, schema: String? = nil, profile: String? = nil, tags: [String: String] = [:]) {
        self.name = name
        self.digest = digest
        self.sourceType = sourceType
        self.source = source
        self.schema = schema
        self.profile = profile
        self.tags = tags
    }
}

/// A logged model a run produced.
public struct ModelOutput: Sendable, Hashable {
    public var modelID: String
    public var step: Int64

    /// A model output.
    public init(modelID: String, step: Int64) {
        self.modelID = modelID
        self.step = step
    }
}

/// One logged value of a metric.
public struct Metric: Sendable, Hashable {
    public var key: String
    public var value: Double
    /// Microseconds since the epoch, UTC.
    public var timestamp: Int64
    public var step: Int64
    /// The logged model the value describes (MLflow 3), if any.
    public var modelID: String?

    /// A metric value.
    public init(key: String, value: Double, timestamp: Int64, step: Int64 = 0, modelID: String? = nil) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
        self.modelID = modelID
    }
}

/// Where a run is in its life, as MLflow names it.
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case running = "RUNNING"
    case scheduled = "SCHEDULED"
    case finished = "FINISHED"
    case failed = "FAILED"
    case killed = "KILLED"

    /// Whether the run has ended (it gets an end time).
    public var hasEnded: Bool { self != .running && self != .scheduled }

    /// The status named `text`; anything else is an invalid argument that lists the statuses.
    public init(parsing text: String) throws {
        guard let status = RunStatus(rawValue: text) else {
            throw KiteError.invalidArgument("run status '\(text)' is not one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = status
    }
}

/// A run: one execution of training code, with its params, metrics and tags.
public struct Run: Sendable, Hashable {
    public var id: String
    public var experimentID: String
    public var name: String
    public var userID: String
    public var status: RunStatus
    public var startTime: Int64
    public var endTime: Int64?
    public var lifecycleStage: String
    public var artifactURI: String
    public var params: [String: String]
    /// The latest value of each metric (greatest step, then timestamp).
    public var metrics: [String: Metric]
    public var tags: [String: String]
    /// Datasets the run read (MLflow's log-inputs).
    public var inputs: [DatasetInput] = []
    /// Logged models the run produced (MLflow's log-outputs), with the step each was logged at.
    public var outputs: [ModelOutput] = []

    /// The parent run, for nested runs (MLflow keeps it in the `mlflow.parentRunId` tag).
    public var parentRunID: String? { tags["mlflow.parentRunId"] }
}
