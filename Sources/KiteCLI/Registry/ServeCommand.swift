import ABTesting
import ArgumentParser
import Features
import Foundation
import KiteCore
import KiteServer
import Logging
import ObjectStorage
import Pipelines
import Registry
import Serving

/// `kite serve` (alias `kite server`): every API family the project enables, on one port.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the project's APIs: predictions from registered models, MLflow's tracking and registry REST API, and Feast's feature server.",
        discussion: """
            With --model NAME@ALIAS (repeatable; or kite.yaml's serve.models) it answers predictions: \
            POST /v1/models/NAME/predict with {"entities": {"customer_id": [...]}, "request": {...}} (features \
            are read from the online store for models trained on a feature service) or {"rows": [{...}]}; the \
            Open Inference Protocol (KServe V2) under /v2; and MLflow's POST /invocations and GET /ping. When an \
            alias moves, the server loads the new version within --reload-seconds and switches to it; every \
            answer names the version that produced it.
            The feature server answers Feast's POST /get-online-features, /push, /write-to-online-store, \
            /materialize and /materialize-incremental from the project's online store; a Feast repository with \
            online_store: {type: remote, path: http://HOST:PORT} reads through it. \
            Point the mlflow Python client at it with MLFLOW_TRACKING_URI=http://HOST:PORT. Artifacts are proxied \
            into the project's artifact store (mlflow-artifacts:/ URIs), as 'mlflow server --serve-artifacts' does. \
            Host, port and APIs come from kite.yaml's 'serve:' section (host, port, apis) unless given here. \
            It listens on loopback unless told otherwise, and on another address only with --auth (or --insecure); \
            with auth on, predictions and online features need a 'predict' token, other writes (MLflow writes, \
            pushes, materialization, alias moves) a 'write' token, reads a 'read' token (the mlflow client sends \
            MLFLOW_TRACKING_TOKEN); health checks stay open. One line is logged per request; SIGTERM or SIGINT stops \
            the server and closes its stores. 'kite server' is the same command, for users of 'mlflow server'.
            """,
        aliases: ["server"]
    )

    @OptionGroup var project: ProjectOptions
    @Option(help: "The address to listen on (default: kite.yaml's serve.host, else 127.0.0.1).") var host: String?
    @Option(help: "The port to listen on, 0 for a free one (default: kite.yaml's serve.port, else 5000).") var port: Int?
    @Option(name: .customLong("api"), help: "An API family to serve (repeatable): \(ServedAPI.allCases.map(\.rawValue).joined(separator: ", ")). Default: all.")
    var apis: [String] = []
    @Option(
        name: .customLong("model"), help: "A registered model to serve (repeatable): NAME@ALIAS, NAME@vN or NAME@latest (default: kite.yaml's serve.models).")
    var models: [String] = []
    @Option(help: "How often to check the registry for moved aliases, in seconds (default: kite.yaml's serve.reload_seconds, else 2).")
    var reloadSeconds: Double?
    @Option(help: "The share of prediction requests appended to the prediction log, 0 to 1 (default: kite.yaml's serve.log_sample_rate, else 1).")
    var logSampleRate: Double?
    @Flag(help: "Require API tokens (Authorization: Bearer …; make them with 'kite tokens create'). Default: kite.yaml's serve.auth, else off.")
    var auth = false
    @Flag(help: "Listen on a non-loopback address without auth (not recommended).") var insecure = false
    @Flag(help: "Also run the project's scheduled pipelines (pipelines/*.yaml) when due, as kite scheduler does.") var scheduler = false
    @Option(help: "With --scheduler: how often to look for due and waiting runs, in seconds.") var schedulerInterval: Double = 10
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw KiteError.invalidArgument("--log-level must be one of trace, debug, info, notice, warning, error, not '\(logLevel)'")
        }
        let project = try self.project.configuration()
        let configuration = try serverConfiguration(project.serve)
        var logger = Logger(label: "kite.serve")
        logger.logLevel = level
        let s3 = try S3Client(configuration: try StoragePath.s3Configuration(), logger: logger)
        let registry = try RegistryStore(url: project.registryURL, logger: logger)
        let references = try (models.isEmpty ? project.serve.models : models).map(ModelHost.Reference.init(parsing:))
        let reload = reloadSeconds ?? project.serve.reloadSeconds ?? 2
        guard reload >= 0.1, reload <= 3600 else { throw KiteError.invalidArgument("--reload-seconds must be between 0.1 and 3600, not \(reload)") }
        let artifacts = try self.project.artifactStore(project, s3: s3)
        let sampleRate = logSampleRate ?? project.serve.logSampleRate ?? 1
        guard (0...1).contains(sampleRate) else { throw KiteError.invalidArgument("--log-sample-rate must be between 0 and 1, not \(sampleRate)") }
        var models: ModelServing?
        if !references.isEmpty, configuration.apis.contains(.predictions) {
            let host = try ModelHost(
                references: references, registry: registry, artifacts: artifacts, experiments: ExperimentStore(registry: registry),
                reloadInterval: .milliseconds(Int64(reload * 1000)), logger: logger)
            let log =
                sampleRate > 0 ? try PredictionLog(store: try self.project.offlineStore(project, s3: s3), sampleRate: sampleRate, logger: logger) : nil
            models = ModelServing(host: host, log: log)
        }
        var features: FeatureServing?
        if configuration.apis.contains(.features) || models != nil {
            let online = try OnlineStores.open(
                project.onlineStore, project: project.project, folder: project.folder,
                password: ProcessInfo.processInfo.environment["KITE_REDIS_PASSWORD"], logger: logger)
            features = FeatureServing(project: project, online: online, offline: try self.project.offlineStore(project, s3: s3))
        }
        guard schedulerInterval >= 0.1 else { throw KiteError.invalidArgument("--scheduler-interval must be at least 0.1 seconds") }
        // Pipelines: their endpoints always (files checked now), and with --scheduler their runs.
        let pipelinesFolder = project.folder + "/pipelines"
        let scheduled = try PipelineFile.loadAll(folder: pipelinesFolder).filter { $0.schedule != nil }.count
        let pipelines = PipelineServing(
            folder: pipelinesFolder,
            scheduler: scheduler
                ? PipelineScheduler(
                    folder: pipelinesFolder, runner: try PipelinesCommand.runner(configuration: project, registry: registry, artifacts: artifacts),
                    interval: .milliseconds(Int64(schedulerInterval * 1000)), logger: logger) : nil)
        let serving = models
        let onlineNote = features.map { "; online store \($0.online.description)" } ?? ""
        try await KiteApplication.run(
            configuration: configuration, s3: s3, registry: registry, artifacts: artifacts, features: features, models: models, pipelines: pipelines,
            logger: logger
        ) { port in
            Terminal.standardOutput(
                "kite serve: \(configuration.apis.map(\.rawValue).sorted().joined(separator: ", ")); registry \(project.registry), artifacts \(project.artifacts)"
                    + onlineNote + "\n"
            )
            if let served = serving?.host.models, !served.isEmpty {
                let log = serving?.log.map { "; predictions logged to \(project.offlineStore)/predictions (sample rate \($0.sampleRate))" } ?? ""
                Terminal.standardOutput("serving " + served.map { "\($0.name)@\($0.tag) (version \($0.version.version))" }.joined(separator: ", ") + log + "\n")
            }
            if pipelines.scheduler != nil { Terminal.standardOutput("scheduler: \(scheduled) scheduled pipelines in \(pipelinesFolder)\n") }
            Terminal.standardOutput(
                "listening on http://\(configuration.host):\(port) (MLFLOW_TRACKING_URI=http://\(configuration.host):\(port)); "
                    + "web UI: http://\(configuration.host):\(port)/ui\n")
        }
    }

    /// Flags over kite.yaml's `serve:` section over the defaults.
    func serverConfiguration(_ settings: ProjectConfiguration.ServeSettings) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host ?? settings.host ?? configuration.host
        configuration.port = port ?? settings.port ?? configuration.port
        configuration.auth = auth || (settings.auth ?? false)
        let loopback = ["127.0.0.1", "localhost", "::1"].contains(configuration.host) || configuration.host.hasPrefix("127.")
        guard loopback || configuration.auth || insecure else {
            throw KiteError.invalidArgument(
                "kite serve listens on \(configuration.host) without auth: turn auth on (--auth or kite.yaml's serve.auth: true, with tokens from 'kite tokens create'), or pass --insecure"
            )
        }
        guard (0...65535).contains(configuration.port) else {
            throw KiteError.invalidArgument("--port must be between 0 and 65535, not \(configuration.port)")
        }
        let names = apis.isEmpty ? settings.apis : apis
        if let names, !names.isEmpty {
            configuration.apis = Set(
                try names.map { name in
                    guard let api = ServedAPI(rawValue: name) else {
                        throw KiteError.invalidArgument(
                            "'\(name)' is not an API kite serve offers: \(ServedAPI.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return api
                })
        }
        return configuration
    }
}
