import Features
import Hummingbird
import KiteCore
import Logging
import Monitoring
import NIOCore
import ObjectStorage
import Registry
import ServiceLifecycle
import Serving

/// `kite serve` as a Hummingbird application: one router with a route collection per API family, and the
/// long-lived clients (S3's connection pool, the registry's connections, later the Redis pool, the model
/// reloader, the scheduler) as its services, shut down in reverse order on SIGTERM or SIGINT.
public enum KiteApplication {
    /// The application for `configuration`: the S3 client and the registry store are its services, and the
    /// store is prepared (migrated) before the server listens; `onListening` gets the bound port.
    public static func build(
        configuration: ServerConfiguration, s3: S3Client, registry: RegistryStore, artifacts: ArtifactStore, features: FeatureServing? = nil,
        models: ModelServing? = nil, pipelines: PipelineServing? = nil, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        var services: [any Service] = [s3, registry]
        if let features { services.append(features.service) }
        if let models {
            services.append(models.host)
            if let log = models.log { services.append(log) }
            // After the log: shut down first, so the shadows scored at shutdown are logged.
            services.append(models.shadows)
        }
        if let scheduler = pipelines?.scheduler { services.append(scheduler) }
        let responder = router(
            configuration: configuration, registry: registry, artifacts: artifacts, features: features, models: models, pipelines: pipelines, logger: logger
        ).buildResponder()
        var application = Application(
            responder: responder,
            server: HTTPConnection.server(responder: responder, serverName: "kite", idleTimeout: configuration.requestTimeout, logger: logger),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "kite"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        application.beforeServerStarts {
            try await registry.prepare()
            try await models?.host.load()
        }
        return application
    }

    /// Builds the application and serves until SIGTERM or SIGINT, then shuts its services down in order.
    public static func run(
        configuration: ServerConfiguration, s3: S3Client, registry: RegistryStore, artifacts: ArtifactStore, features: FeatureServing? = nil,
        models: ModelServing? = nil, pipelines: PipelineServing? = nil, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await build(
            configuration: configuration, s3: s3, registry: registry, artifacts: artifacts, features: features, models: models, pipelines: pipelines,
            logger: logger,
            onListening: onListening
        ).runService()
    }

    /// Serves in process on `configuration`'s port while `body` runs with the bound port, then shuts the server
    /// and its services down gracefully (for demos and tests; no signal handlers are installed).
    public static func withServer<T: Sendable>(
        configuration: ServerConfiguration, s3: S3Client, registry: RegistryStore, artifacts: ArtifactStore, features: FeatureServing? = nil,
        models: ModelServing? = nil, pipelines: PipelineServing? = nil, logger: Logger, _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = build(
            configuration: configuration, s3: s3, registry: registry, artifacts: artifacts, features: features, models: models, pipelines: pipelines,
            logger: logger
        ) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var result: Result<T, any Error>?
            for await port in ports {
                do { result = .success(try await body(port)) } catch { result = .failure(error) }
                break
            }
            await group.triggerGracefulShutdown()
            while try await tasks.next() != nil {}
            guard let result else { throw KiteError(.unavailable, "the server stopped before it listened") }
            return try result.get()
        }
    }

    /// The router: the request log and Kite's error format around everything, each enabled family under its
    /// prefixes with its own error format and body limit.
    public static func router(
        configuration: ServerConfiguration, registry: RegistryStore, artifacts: ArtifactStore, features: FeatureServing? = nil, models: ModelServing? = nil,
        pipelines: PipelineServing? = nil, logger: Logger
    ) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let metrics = ServerMetrics()
        let auth = configuration.auth ? TokenAuthenticator(registry: registry) : nil
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: APIErrorMiddleware(format: .kite))
        router.add(middleware: LoadSheddingMiddleware(limit: configuration.maxConcurrentRequests))

        // Kite's own endpoints at the root: health and version, and Feast's feature-server paths.
        let root = APIFamily(format: .kite, bodyLimit: configuration.jsonBodyLimit, auth: auth)
        root.addRaw(.get, "health") { _, _ in JSONResponse.text("OK") }
        root.addRaw(.get, "version") { _, _ in JSONResponse.text("kite \(KiteVersion.current)") }
        let openAPI = OpenAPIDocument.json(
            features: configuration.apis.contains(.features) && features != nil, predictions: configuration.apis.contains(.predictions) && models != nil,
            pipelines: pipelines != nil)
        root.addRaw(.get, "openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: openAPI)))
        }
        root.addRaw(.get, "metrics") { _, _ in
            if let statistics = models?.log?.statistics {
                metrics.predictionLog(written: statistics.written, dropped: statistics.dropped, buffered: statistics.buffered)
            }
            if let models { metrics.shadowRowsDropped(models.shadows.dropped) }
            // The monitors' last checks (kite monitor check), from the offline store.
            var alerts = ""
            if let offline = features?.offline, let states = try? await AlertState.all(store: offline) { alerts = AlertMetrics.text(states) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.text() + Array(alerts.utf8))))
        }
        let definitions = features.map { AppliedDefinitions(registry: registry, project: $0.project, logger: logger) }
        let online = features.map { MeasuredOnlineStore(store: $0.online, metrics: metrics) }
        if configuration.apis.contains(.features), let features, let definitions, let online {
            let stores = FeatureServerAPI.Stores(definitions: definitions, online: online, offline: features.offline, registry: registry)
            FeatureServerAPI.register(in: root, stores: stores)
        }
        if configuration.apis.contains(.predictions), let models {
            let serving = PredictionServing(
                host: models.host, features: definitions.flatMap { definitions in online.map { (definitions, $0) } }, log: models.log, metrics: metrics,
                clock: registry.clock, timeout: configuration.predictionTimeout, shadows: models.shadows)
            PredictionAPI.register(in: root, serving: serving)
            ExperimentAPI.register(in: root, registry: registry, offline: features?.offline)
            let inference = APIFamily(format: .inference, bodyLimit: configuration.jsonBodyLimit, auth: auth)
            InferenceProtocolAPI.register(in: inference, serving: serving)
            inference.mount(on: router, at: ["/v2"])
        }
        if let pipelines { PipelineAPI.register(in: root, registry: registry, pipelines: pipelines) }
        WebUI.register(
            in: root,
            stores: WebUI.Stores(
                registry: registry, artifacts: artifacts, offline: features?.offline, definitions: definitions,
                serverMetrics: { String(decoding: metrics.text(), as: UTF8.self) }))
        root.mount(on: router, at: ["/"])

        if configuration.apis.contains(.mlflow) {
            let tracking = APIFamily(format: .mlflow, bodyLimit: configuration.jsonBodyLimit, auth: auth)
            MLflowTrackingAPI.register(in: tracking, store: registry)
            MLflowRegistryAPI.register(in: tracking, store: registry)
            MLflowArtifactListing.register(in: tracking, store: registry, artifacts: artifacts)
            tracking.mount(on: router, at: ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"])

            let server = APIFamily(format: .mlflow, bodyLimit: 1 << 20, auth: auth)
            server.add(.get, "server-info") { _ in MLflowJSON.serverInfo }
            server.mount(on: router, at: ["/api/3.0/mlflow", "/ajax-api/3.0/mlflow"])

            let proxy = APIFamily(format: .mlflow, bodyLimit: configuration.artifactLimit, auth: auth)
            ArtifactsAPI.register(in: proxy, artifacts: artifacts)
            proxy.mount(on: router, at: ["/api/2.0/mlflow-artifacts/artifacts", "/ajax-api/2.0/mlflow-artifacts/artifacts"])
        }
        return router
    }
}
