/// The API families `kite serve` can answer; each is enabled by name in `kite.yaml`'s `serve: apis:` or with
/// `--api`.
public enum ServedAPI: String, CaseIterable, Sendable {
    /// MLflow's tracking and registry REST API and its artifact proxy.
    case mlflow
    /// Feast's feature-server endpoints (`/get-online-features`, `/push`, …) over the project's online store.
    case features
    /// Predictions from the served models: Kite's `/v1/models/…`, the Open Inference Protocol's `/v2/…` and
    /// MLflow's `/invocations`.
    case predictions
}

/// What `kite serve` listens on and answers.
public struct ServerConfiguration: Sendable {
    /// The default address: loopback, so nothing is exposed unless asked.
    public static let defaultHost = "127.0.0.1"
    /// MLflow's default port, so `MLFLOW_TRACKING_URI` keeps working.
    public static let defaultPort = 5000
    /// How long a connection may stay silent, also in the middle of a request's headers or body.
    public static let defaultRequestTimeout = Duration.seconds(30)
    /// The largest JSON request body (MLflow's own limit for batch logging).
    public static let defaultJSONBodyLimit = 64 << 20
    /// The largest artifact upload.
    public static let defaultArtifactLimit = 5 << 30

    public var host: String
    /// The port; 0 picks a free one.
    public var port: Int
    public var apis: Set<ServedAPI>
    public var requestTimeout: Duration
    public var jsonBodyLimit: Int
    public var artifactLimit: Int
    /// How many requests are handled at once; more are answered 503 with `Retry-After`.
    public var maxConcurrentRequests: Int
    /// How long a prediction may take before it is answered 503.
    public var predictionTimeout: Duration
    /// Whether requests need API tokens (`Authorization: Bearer …`; see `TokenAuthenticator` for the roles).
    public var auth: Bool

    public init(
        host: String = defaultHost, port: Int = defaultPort, apis: Set<ServedAPI> = Set(ServedAPI.allCases),
        requestTimeout: Duration = defaultRequestTimeout, jsonBodyLimit: Int = defaultJSONBodyLimit,
        artifactLimit: Int = defaultArtifactLimit, auth: Bool = false, maxConcurrentRequests: Int = 512,
        predictionTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.apis = apis
        self.requestTimeout = requestTimeout
        self.jsonBodyLimit = jsonBodyLimit
        self.artifactLimit = artifactLimit
        self.auth = auth
        self.maxConcurrentRequests = maxConcurrentRequests
        self.predictionTimeout = predictionTimeout
    }
}
