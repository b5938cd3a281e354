import ArgumentParser
import Features
import KiteCore
import KiteServer
import Logging
import Registry

/// `kite server`: serve the project's registry over MLflow's REST API.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Serve the project's tracking and model registry over MLflow's REST API.",
        discussion: """
            Point the mlflow Python client at it with MLFLOW_TRACKING_URI=http://HOST:PORT. Artifacts are proxied \
            into the project's artifact store (mlflow-artifacts:/ URIs), as 'mlflow server --serve-artifacts' does. \
            One line is logged per request; SIGTERM or SIGINT stops the server cleanly.
            """
    )

    @OptionGroup var project: ProjectOptions
    @Option(help: "The address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "The port to listen on (0 picks a free one).") var port: Int = 5000
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func run() async throws {
        guard (0...65535).contains(port) else { throw KiteError.invalidArgument("--port must be between 0 and 65535, not \(port)") }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw KiteError.invalidArgument("--log-level must be one of trace, debug, info, notice, warning, error, not '\(logLevel)'")
        }
        let configuration = try project.configuration()
        let store = try await project.registryStore(configuration)
        let artifacts = try project.artifactStore(configuration)
        var logger = Logger(label: "kite.server")
        logger.logLevel = level
        let server = KiteHTTPServer(store: store, artifacts: artifacts, host: host, port: port, logger: logger)
        let host = host
        try await server.run { port in
            Terminal.standardOutput("kite server: registry \(configuration.registry), artifacts \(configuration.artifacts)\n")
            Terminal.standardOutput("listening on http://\(host):\(port) (MLFLOW_TRACKING_URI=http://\(host):\(port))\n")
        }
        await store.close()
    }
}
