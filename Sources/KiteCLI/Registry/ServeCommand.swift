import ArgumentParser
import Features
import Foundation
import KiteCore
import KiteServer
import Logging
import ObjectStorage
import Registry

/// `kite serve` (alias `kite server`): every API family the project enables, on one port.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the project's APIs: MLflow's tracking and registry REST API and its artifact proxy, and Feast's feature server.",
        discussion: """
            The feature server answers Feast's POST /get-online-features, /push, /write-to-online-store, \
            /materialize and /materialize-incremental from the project's online store; a Feast repository with \
            online_store: {type: remote, path: http://HOST:PORT} reads through it. \
            Point the mlflow Python client at it with MLFLOW_TRACKING_URI=http://HOST:PORT. Artifacts are proxied \
            into the project's artifact store (mlflow-artifacts:/ URIs), as 'mlflow server --serve-artifacts' does. \
            Host, port and APIs come from kite.yaml's 'serve:' section (host, port, apis) unless given here. \
            It listens on loopback unless told otherwise. One line is logged per request; SIGTERM or SIGINT stops \
            the server and closes its stores. 'kite server' is the same command, for users of 'mlflow server'.
            """,
        aliases: ["server"]
    )

    @OptionGroup var project: ProjectOptions
    @Option(help: "The address to listen on (default: kite.yaml's serve.host, else 127.0.0.1).") var host: String?
    @Option(help: "The port to listen on, 0 for a free one (default: kite.yaml's serve.port, else 5000).") var port: Int?
    @Option(name: .customLong("api"), help: "An API family to serve (repeatable): \(ServedAPI.allCases.map(\.rawValue).joined(separator: ", ")). Default: all.")
    var apis: [String] = []
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
        var features: FeatureServing?
        if configuration.apis.contains(.features) {
            let online = try OnlineStores.open(
                project.onlineStore, project: project.project, folder: project.folder,
                password: ProcessInfo.processInfo.environment["KITE_REDIS_PASSWORD"], logger: logger)
            features = FeatureServing(project: project, online: online, offline: try self.project.offlineStore(project, s3: s3))
        }
        let onlineNote = features.map { "; online store \($0.online.description)" } ?? ""
        try await KiteApplication.run(
            configuration: configuration, s3: s3, registry: registry, artifacts: try self.project.artifactStore(project, s3: s3), features: features,
            logger: logger
        ) { port in
            let host = configuration.host
            Terminal.standardOutput(
                "kite serve: \(configuration.apis.map(\.rawValue).sorted().joined(separator: ", ")); registry \(project.registry), artifacts \(project.artifacts)"
                    + onlineNote + "\n"
            )
            Terminal.standardOutput("listening on http://\(host):\(port) (MLFLOW_TRACKING_URI=http://\(host):\(port))\n")
        }
    }

    /// Flags over kite.yaml's `serve:` section over the defaults.
    func serverConfiguration(_ settings: ProjectConfiguration.ServeSettings) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host ?? settings.host ?? configuration.host
        configuration.port = port ?? settings.port ?? configuration.port
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
