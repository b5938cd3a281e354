import ABTesting
import AsyncHTTPClient
import Features
import Foundation
import KiteCore
import KiteServer
import Logging
import NIOCore
import NIOHTTP1
import ObjectStorage
import Registry
import Serving

/// The demo's serving stages: `kite serve`'s application started in process on a free loopback port with the
/// project's online store and the served `models`, requests over HTTP, and the server stopped again.
enum DemoServer {
    /// Starts the server with "now" at `now` (the example's last day, so its values are within their ttl), runs
    /// `body` with a function that posts JSON to a path and returns the answer, then stops the server.
    static func with<T: Sendable>(
        project: ProjectConfiguration, s3: S3Client, offline: any ObjectStore, artifacts: ArtifactStore, now: Int64, models: [String],
        _ body: @escaping @Sendable (_ post: @escaping @Sendable (String, String) async throws -> JSONValue) async throws -> T
    ) async throws -> T {
        let logger = {
            var logger = Logger(label: "kite.demo")
            logger.logLevel = .warning
            return logger
        }()
        let registry = try RegistryStore(url: project.registryURL, logger: logger, clock: .fixed(now))
        let online = try OnlineStores.open(project.onlineStore, project: project.project, folder: project.folder, logger: logger)
        // The server owns (and shuts down) its S3 client: one of its own, not the demo's.
        let serverS3 = try S3Client(configuration: s3.configuration, logger: logger)
        let features = FeatureServing(project: project, online: online, offline: offline)
        let host = try ModelHost(
            references: try models.map(ModelHost.Reference.init(parsing:)), registry: registry, artifacts: artifacts,
            experiments: ExperimentStore(registry: registry), logger: logger)
        let log = try PredictionLog(store: offline, logger: logger)
        return try await KiteApplication.withServer(
            configuration: ServerConfiguration(port: 0), s3: serverS3, registry: registry, artifacts: artifacts, features: features,
            models: ModelServing(host: host, log: log), logger: logger
        ) { port in
            try await body { path, request in
                var call = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                call.method = .POST
                call.headers.add(name: "Content-Type", value: "application/json")
                call.body = .bytes(ByteBuffer(string: request))
                let response = try await HTTPClient.shared.execute(call, timeout: .seconds(30))
                return try JSONValue.parse(Array(buffer: try await response.body.collect(upTo: 16 << 20)))
            }
        }
    }

    /// Kite's prediction answer as one line per row: the probability of fraud and the class.
    static func predictions(_ answer: JSONValue) throws -> [String] {
        guard case .array(let rows)? = answer["predictions"], case .string(let version)? = answer["model_version"] else {
            throw KiteError(.corruptData, "the prediction endpoint answered \(answer.text)")
        }
        return rows.map { row in
            let probability = if case .number(let p)? = row["probability"] { String(format: "%.4f", p) } else { "?" }
            return "p(fraud) \(probability), prediction \(row["prediction"]?.text ?? "?") (fraud v\(version))"
        }
    }

    /// The first row's explanation as one line: the expected log-odds and the inputs that moved it most.
    static func explanation(_ answer: JSONValue) throws -> String {
        guard case .array(let rows)? = answer["predictions"], let explanation = rows.first?["explanation"],
            case .number(let expected)? = explanation["expected_value"], case .object(let pairs)? = explanation["contributions"]
        else { throw KiteError(.corruptData, "the prediction endpoint answered \(answer.text)") }
        let contributions = pairs.compactMap { name, value -> (String, Double)? in if case .number(let number) = value { (name, number) } else { nil } }
        let top = contributions.sorted { abs($0.1) > abs($1.1) }.prefix(4)
        let total = contributions.reduce(expected) { $0 + $1.1 }
        return String(format: "log-odds %.3f = expected %.3f", total, expected)
            + top.map { String(format: " %@ %.3f (%@)", $0.1 >= 0 ? "+" : "−", abs($0.1), $0.0) }.joined() + " + the rest"
    }

    /// Feast's column-major answer as one line per entity row.
    static func rows(_ answer: JSONValue) throws -> [String] {
        guard case .array(let names)? = answer["metadata"]?["feature_names"], case .array(let results)? = answer["results"], names.count == results.count
        else { throw KiteError(.corruptData, "the feature server answered \(answer.text)") }
        var lines: [String] = []
        guard case .array(let first)? = results.first?["values"] else { return [] }
        for row in first.indices {
            let cells = zip(names, results).map { name, result -> String in
                guard case .string(let label) = name, case .array(let values)? = result["values"], row < values.count else { return "" }
                if case .array(let statuses)? = result["statuses"], row < statuses.count, statuses[row] != .string("PRESENT"),
                    case .string(let status) = statuses[row]
                {
                    return "\(label) \(status)"
                }
                if case .number(let number) = values[row] { return "\(label) \(String(format: "%.3f", number))" }
                return "\(label) \(values[row].text)"
            }
            lines.append(cells.joined(separator: ", "))
        }
        return lines
    }
}
