import Features
import Foundation
import KiteCore
import KiteServer
import Logging
import ObjectStorage
import Registry

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The demo's feature-server stage: `kite serve`'s application started in process on a free loopback port, one
/// Feast-style request over HTTP, and the server stopped again.
enum DemoFeatureServer {
    /// Starts the server with "now" at `now` (the example's last day, so its values are within their ttl), posts
    /// `request` to `/get-online-features`, and returns the answer as lines: one per entity row, `name value` pairs.
    static func fetch(
        project: ProjectConfiguration, s3: S3Client, offline: any ObjectStore, artifacts: ArtifactStore, now: Int64, request: String
    ) async throws -> [String] {
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
        return try await KiteApplication.withServer(
            configuration: ServerConfiguration(port: 0), s3: serverS3, registry: registry, artifacts: artifacts, features: features, logger: logger
        ) { port in
            guard let url = URL(string: "http://127.0.0.1:\(port)/get-online-features") else { return [] }
            var call = URLRequest(url: url)
            call.httpMethod = "POST"
            call.httpBody = Data(request.utf8)
            let (data, _) = try await URLSession.shared.data(for: call)
            return try rows(JSONValue.parse(Array(data)))
        }
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
