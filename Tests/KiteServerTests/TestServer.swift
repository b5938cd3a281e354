import ABTesting
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import Logging
import NIOCore
import ObjectStorage
import Registry
import Serving

/// `kite serve`'s application over a registry at a URL and an artifact store, driven by Hummingbird's test
/// client (in process, or over a real socket with `.live`).
enum TestServer {
    static func run(
        registryURL: String, objects: any ObjectStore, configuration: ServerConfiguration = ServerConfiguration(port: 0),
        features: FeatureServing? = nil, models: [String] = [], reloadInterval: Duration = .seconds(2), predictionLog: PredictionLog? = nil,
        clock: WallClock = .system, shadowCapacity: Int = ShadowScoring.defaultCapacity,
        testing: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let registry = try RegistryStore(url: registryURL, logger: logger, clock: clock)
        let s3 = try S3Client(configuration: S3Configuration(), logger: logger)
        let artifacts = ArtifactStore(objects: objects)
        let host =
            models.isEmpty
            ? nil
            : ModelServing(
                host: try ModelHost(
                    references: try models.map(ModelHost.Reference.init(parsing:)), registry: registry, artifacts: artifacts,
                    experiments: ExperimentStore(registry: registry), reloadInterval: reloadInterval, logger: logger),
                log: predictionLog, shadowCapacity: shadowCapacity)
        let application = KiteApplication.build(
            configuration: configuration, s3: s3, registry: registry, artifacts: artifacts, features: features, models: host, logger: logger)
        try await application.test(testing) { client in try await body(client) }
    }

    /// The status and JSON body of one request.
    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, token: String? = nil
    ) async throws -> (Int, JSONValue) {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            let bytes = response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? []
            return (Int(response.status.code), bytes.isEmpty ? .null : try JSONValue.parse(bytes))
        }
    }
}
