import Foundation
import KiteCore

/// A project's `kite.yaml`: its name and where each store lives (see DESIGN.md, "The project folder").
public struct ProjectConfiguration: Sendable, Hashable {
    /// `kite.yaml`'s `serve:` section: what `kite serve` listens on and answers, unless its flags say otherwise.
    public struct ServeSettings: Sendable, Hashable {
        /// The API families `serve.apis` may name (the server's own list; checked here so a typo is reported with
        /// its file and line).
        public static let knownAPIs = ["mlflow", "features", "predictions"]
        public var host: String?
        public var port: Int?
        public var apis: [String]?
        /// Registered models to serve, `NAME@ALIAS`, `NAME@vN` or `NAME@latest`.
        public var models: [String] = []
        /// How often the server checks the registry for moved aliases, in seconds.
        public var reloadSeconds: Double?
        /// The share of prediction requests appended to the prediction log (0 turns it off).
        public var logSampleRate: Double?
        /// Whether requests need API tokens.
        public var auth: Bool?
    }

    public var project: String
    /// `sqlite:PATH` or `postgres://…`.
    public var registry: String
    /// `file:PATH` or `s3://bucket/prefix`: where batch sources' Parquet files live.
    public var offlineStore: String
    /// `embedded:PATH` or `redis://…`.
    public var onlineStore: String
    /// `file:PATH` or `s3://bucket/prefix`.
    public var artifacts: String
    /// The project folder; relative store paths are relative to it.
    public var folder: String
    public var serve = ServeSettings()

    /// The defaults for a project named `project` in `folder`: everything embedded under `.kite/` and `data/`.
    public init(project: String, folder: String) {
        self.project = project
        self.folder = folder
        registry = "sqlite:.kite/registry.db"
        offlineStore = "file:data"
        onlineStore = "embedded:.kite/online.db"
        artifacts = "file:.kite/artifacts"
    }

    /// Creates an empty project in `folder` (which must be new or empty): kite.yaml with the embedded defaults,
    /// and empty `features/` and `data/` folders.
    public static func create(folder: String, project: String) throws -> ProjectConfiguration {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: folder), !existing.isEmpty {
            throw KiteError(.alreadyExists, "\(folder) is not empty; choose a new folder for the project")
        }
        let configuration = ProjectConfiguration(project: project, folder: folder)
        do {
            for sub in ["features", "data"] {
                try manager.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
            }
            let yaml = """
                # A Kite project. Stores default to embedded ones; move them by URL: registry to
                # postgres://USER@HOST:5432/DATABASE, offline_store and artifacts to s3://bucket/prefix,
                # online_store to redis://HOST:6379.
                project: \(project)
                registry: \(configuration.registry)
                offline_store: \(configuration.offlineStore)
                online_store: \(configuration.onlineStore)
                artifacts: \(configuration.artifacts)

                """
            try yaml.write(toFile: folder + "/kite.yaml", atomically: true, encoding: .utf8)
        } catch {
            throw KiteError(.io, "cannot create the project in \(folder): \(error.localizedDescription)")
        }
        return configuration
    }

    /// Reads `folder/kite.yaml`, checking every key.
    public static func load(folder: String) throws -> ProjectConfiguration {
        let path = folder + "/kite.yaml"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KiteError(.notFound, "no kite.yaml in \(folder): run 'kite init DIR' to create a project, or pass --project DIR")
        }
        guard let root = try YAMLValue.parse(text, file: path) else {
            throw KiteError.invalidArgument("\(path) is empty: it needs at least 'project: NAME'")
        }
        let map = try root.mapping("kite.yaml", allowed: ["project", "registry", "offline_store", "online_store", "artifacts", "serve"])
        var configuration = ProjectConfiguration(
            project: try map.required("project", in: "kite.yaml", at: root).string("project"), folder: folder)
        if let value = map["registry"] { configuration.registry = try value.string("registry") }
        if let value = map["offline_store"] { configuration.offlineStore = try value.string("offline_store") }
        if let value = map["online_store"] { configuration.onlineStore = try value.string("online_store") }
        if let value = map["artifacts"] { configuration.artifacts = try value.string("artifacts") }
        if let value = map["serve"] { configuration.serve = try serveSettings(value) }
        for (key, value) in [("offline_store", configuration.offlineStore), ("artifacts", configuration.artifacts)] {
            guard value.hasPrefix("file:") || value.hasPrefix("s3://") else {
                throw (map[key] ?? root).fail("\(key) must be file:PATH or s3://bucket/prefix, not '\(value)'")
            }
        }
        do { try OnlineStores.validate(configuration.onlineStore) } catch let error as KiteError {
            throw (map["online_store"] ?? root).fail(error.message)
        }
        let registry = configuration.registry
        guard (registry.hasPrefix("sqlite:") && registry.count > 7) || registry.hasPrefix("postgres://") || registry.hasPrefix("postgresql://") else {
            throw (map["registry"] ?? root).fail("registry must be sqlite:PATH or postgres://USER@HOST:PORT/DATABASE, not '\(registry)'")
        }
        return configuration
    }

    private static func serveSettings(_ value: YAMLValue) throws -> ServeSettings {
        let map = try value.mapping("serve", allowed: ["host", "port", "apis", "models", "reload_seconds", "log_sample_rate", "auth"])
        var settings = ServeSettings()
        if let host = map["host"] { settings.host = try host.string("serve.host") }
        if let port = map["port"] {
            settings.port = try port.int("serve.port")
            guard let number = settings.port, (0...65535).contains(number) else { throw port.fail("serve.port must be between 0 and 65535") }
        }
        if let apis = map["apis"] {
            settings.apis = try apis.strings("serve.apis")
            for name in settings.apis ?? [] where !ServeSettings.knownAPIs.contains(name) {
                throw apis.fail("serve.apis: '\(name)' is not one of \(ServeSettings.knownAPIs.joined(separator: ", "))")
            }
        }
        if let models = map["models"] {
            settings.models = try models.strings("serve.models")
            for model in settings.models where !model.contains("@") {
                throw models.fail("serve.models: '\(model)' is not NAME@ALIAS, NAME@vN or NAME@latest")
            }
        }
        if let reload = map["reload_seconds"] {
            let seconds = try reload.double("serve.reload_seconds")
            guard seconds >= 0.1, seconds <= 3600 else { throw reload.fail("serve.reload_seconds must be between 0.1 and 3600") }
            settings.reloadSeconds = seconds
        }
        if let rate = map["log_sample_rate"] {
            let value = try rate.double("serve.log_sample_rate")
            guard (0...1).contains(value) else { throw rate.fail("serve.log_sample_rate must be between 0 and 1") }
            settings.logSampleRate = value
        }
        if let auth = map["auth"] { settings.auth = try auth.bool("serve.auth") }
        return settings
    }

    /// The registry's URL with a relative SQLite path made relative to the project folder.
    public var registryURL: String {
        guard registry.hasPrefix("sqlite:") else { return registry }
        let path = String(registry.dropFirst(7))
        return path.hasPrefix("/") ? registry : "sqlite:" + folder + "/" + path
    }

    /// The artifact store's URL with a relative local path made relative to the project folder.
    public var artifactsURL: String {
        guard artifacts.hasPrefix("file:") else { return artifacts }
        let path = String(artifacts.dropFirst(5))
        return path.hasPrefix("/") ? artifacts : "file:" + folder + "/" + path
    }

    /// The definitions folder, `features/` in the project.
    public var definitionsFolder: String { folder + "/features" }

    /// The offline store's URL with a relative local path made relative to the project folder.
    public var offlineStoreURL: String {
        guard offlineStore.hasPrefix("file:") else { return offlineStore }
        let path = String(offlineStore.dropFirst(5))
        return path.hasPrefix("/") ? offlineStore : "file:" + folder + "/" + path
    }
}
