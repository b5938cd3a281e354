/// A named model whose versions are registered over time.
public struct RegisteredModel: Sendable, Hashable {
    public var name: String
    /// Microseconds since the epoch, UTC.
    public var creationTime: Int64
    public var lastUpdatedTime: Int64
    public var description: String
    public var tags: [String: String]
    /// Alias → version number.
    public var aliases: [String: Int64]
    /// The newest version in each stage (MLflow's `latest_versions`, for clients that still use stages).
    public var latestVersions: [ModelVersion]
}

/// One registered version of a model: a number that is never reused, its source artifacts and its lineage.
public struct ModelVersion: Sendable, Hashable {
    public var name: String
    public var version: Int64
    public var creationTime: Int64
    public var lastUpdatedTime: Int64
    public var description: String
    /// Where the model's files are, such as `models:/m-…` or `mlflow-artifacts:/1/…/artifacts/model`.
    public var source: String
    public var runID: String?
    public var runLink: String?
    /// Always `READY`: Kite registers synchronously.
    public var status: String
    /// `None`, `Staging`, `Production` or `Archived` (MLflow's deprecated stages).
    public var currentStage: String
    /// The MLflow 3 logged model this version registers, if any.
    public var modelID: String?
    public var tags: [String: String]
    public var aliases: [String]
    /// Lineage: the training set the run was trained on (its metadata, as JSON) and the feature service.
    public var trainingSet: String?
    public var featureService: String?
}

/// An MLflow 3 logged model: a model's files and metadata, logged by a run before any registration.
public struct LoggedModel: Sendable, Hashable {
    public var id: String
    public var experimentID: String
    public var name: String
    public var artifactLocation: String
    public var creationTime: Int64
    public var lastUpdatedTime: Int64
    /// `LOGGED_MODEL_PENDING`, `LOGGED_MODEL_READY` or `LOGGED_MODEL_UPLOAD_FAILED`.
    public var status: String
    public var sourceRunID: String?
    public var modelType: String?
    public var tags: [String: String]
    public var params: [String: String]
}
