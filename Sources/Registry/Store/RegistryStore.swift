import Foundation
import KiteCore
import Logging
import ServiceLifecycle

/// Experiments, runs, logged models and registered models in one SQL database — SQLite (the default) or
/// PostgreSQL — with versioned migrations. Experiment `0`, named `Default`, exists from the start, as MLflow's
/// clients expect.
///
/// The store is a `Service`: `run()` holds its connections (PostgreSQL's pool) until the service group shuts
/// down, then closes them. A server adds it to its application's services and calls `prepare()` before it
/// listens; a command uses `withStore(url:…)`, which does both and closes the store on every exit path.
public final class RegistryStore: Service {
    let database: any SQLDatabase
    /// The artifact root that experiments' locations start with, such as `mlflow-artifacts:`.
    let artifactRoot: String
    /// Where creation, update and run times come from (microseconds since the epoch, as every time here).
    public let clock: WallClock
    private let ready = StartSignal()

    /// A store at `url` — `sqlite:PATH` or `postgres://USER@HOST:PORT/DB` — that connects when it runs.
    public init(url: String, artifactRoot: String = "mlflow-artifacts:", logger: Logger, clock: WallClock = .system) throws {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            database = try PostgresDatabase(url: url, logger: logger)
        } else if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw KiteError.invalidArgument("registry URL '\(url)' names no file: write sqlite:PATH") }
            database = try SQLiteDatabase(path: path)
        } else {
            throw KiteError.invalidArgument("registry URL '\(url)' is neither sqlite:PATH nor postgres://USER@HOST:PORT/DATABASE")
        }
        self.artifactRoot = artifactRoot.hasSuffix("/") ? String(artifactRoot.dropLast()) : artifactRoot
        self.clock = clock
    }

    /// Holds the connections until the service group shuts down (or the task is cancelled), then closes them.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.database.run() }
        await database.close()
    }

    /// Creates or migrates the schema and the `Default` experiment; needs `run()` going.
    public func prepare() async throws {
        try await RegistrySchema.migrator.migrate(database)
        try await createDefaultExperiment()
        ready.fire()
    }

    /// Returns once `prepare()` has succeeded (true), or false when the task is cancelled first: for services
    /// that start with the store and must not touch it before it is migrated.
    public func prepared() async -> Bool {
        await ready.wait()
        return ready.fired
    }

    /// Runs `body` with a prepared store at `url`, closing it when `body` returns or throws.
    public static func withStore<T: Sendable>(
        url: String, artifactRoot: String = "mlflow-artifacts:", logger: Logger, clock: WallClock = .system,
        _ body: (RegistryStore) async throws -> T
    ) async throws -> T {
        let store = try RegistryStore(url: url, artifactRoot: artifactRoot, logger: logger, clock: clock)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await store.prepare()
            return try await body(store)
        }
    }

    /// The next number of `counter` (a row of `kite_counter`), taken in one statement so that concurrent
    /// transactions on PostgreSQL wait on the row's lock instead of reading the same maximum.
    static func nextValue(_ session: any SQLSession, counter: String) throws -> Int64 {
        guard let row = try session.first("UPDATE kite_counter SET value = value + 1 WHERE name = ? RETURNING value", [.text(counter)]),
            let value = row.integer("value")
        else { throw KiteError(.io, "the registry's counter '\(counter)' is missing; the schema is not migrated") }
        return value
    }

    /// Refuses a location this server could not serve: it must be a path inside the project's artifact store
    /// (`mlflow-artifacts:/…`), relative, without `..`.
    func checkArtifactLocation(_ location: String, of what: String) throws {
        guard location.hasPrefix(artifactRoot), let path = ArtifactStore.path(ofURI: location), (try? ArtifactStore.key(path)) != nil else {
            throw KiteError.invalidArgument(
                "\(what) '\(location.prefix(200))' is outside the project's artifact store: use \(artifactRoot)/PATH (or leave it out)")
        }
    }

    static func missing(_ what: String) -> KiteError { KiteError(.notFound, what, cause: "RESOURCE_DOES_NOT_EXIST") }

    static func duplicate(_ what: String) -> KiteError { KiteError(.alreadyExists, what, cause: "RESOURCE_ALREADY_EXISTS") }

    /// Replaces a row's key/value tags: `table` has columns (`owner`…, key, value).
    static func setTag(_ session: any SQLSession, table: String, owner: [(String, SQLValue)], key: String, value: String) throws {
        try RegistryLimits.checkTag(key: key, value: value)
        let columns = owner.map(\.0) + ["key", "value"]
        try session.execute(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", "))) "
                + "ON CONFLICT (\(owner.map(\.0).joined(separator: ", ")), key) DO UPDATE SET value = excluded.value",
            owner.map(\.1) + [.text(key), .text(value)])
    }

    /// The key/value pairs of `table` for one owner.
    static func tags(_ session: any SQLSession, table: String, owner: [(String, SQLValue)]) throws -> [String: String] {
        let rows = try session.query(
            "SELECT key, value FROM \(table) WHERE \(owner.map { "\($0.0) = ?" }.joined(separator: " AND "))", owner.map(\.1))
        return pairs(rows)
    }

    /// Rows with `key` and `value` columns as a dictionary.
    static func pairs(_ rows: [SQLRow]) -> [String: String] {
        Dictionary(rows.map { ($0.text("key"), $0.text("value")) }, uniquingKeysWith: { _, last in last })
    }

    // MARK: Experiments

    private func createDefaultExperiment() async throws {
        try await database.write { [artifactRoot] session in
            guard try session.first("SELECT id FROM experiment WHERE id = 0", []) == nil else { return }
            let now = self.clock.now()
            try session.execute(
                "INSERT INTO experiment (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
                [.text(artifactRoot + "/0"), .integer(now), .integer(now)])
        }
    }

    /// The id of the experiment named `name`, created if there is none.
    public func experimentID(creatingIfMissing name: String) async throws -> String {
        do { return try await experiment(named: name).id } catch let error as KiteError where error.code == .notFound {
            return try await createExperiment(name: name)
        }
    }

    /// Creates an experiment and returns its id; a name in use (even by a deleted experiment) is `already_exists`.
    public func createExperiment(name: String, artifactLocation: String? = nil, tags: [String: String] = [:]) async throws -> String {
        try RegistryLimits.checkName(name, of: "an experiment")
        if let artifactLocation { try checkArtifactLocation(artifactLocation, of: "an experiment's artifact_location") }
        return try await database.write { [artifactRoot] session in
            if try session.first("SELECT id FROM experiment WHERE name = ?", [.text(name)]) != nil {
                throw Self.duplicate("an experiment named '\(name)' already exists (deleted experiments keep their names until purged)")
            }
            let id = try Self.nextValue(session, counter: "experiment")
            let now = self.clock.now()
            try session.execute(
                "INSERT INTO experiment (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, 'active', ?, ?)",
                [.integer(id), .text(name), .text(artifactLocation ?? "\(artifactRoot)/\(id)"), .integer(now), .integer(now)])
            for (key, value) in tags {
                try Self.setTag(session, table: "experiment_tag", owner: [("experiment_id", .integer(id))], key: key, value: value)
            }
            return String(id)
        }
    }

    /// The experiment with `id`, or `not_found`.
    public func experiment(id: String) async throws -> Experiment {
        try await database.read { session in try Self.experiment(session, id: id) }
    }

    static func experiment(_ session: any SQLSession, id: String) throws -> Experiment {
        guard let number = Int64(id), let row = try session.first("SELECT * FROM experiment WHERE id = ?", [.integer(number)]) else {
            throw missing("no experiment with id '\(id)'")
        }
        return try experiment(session, row: row)
    }

    /// The experiment named `name`, or `not_found`.
    public func experiment(named name: String) async throws -> Experiment {
        try await database.read { session in
            guard let row = try session.first("SELECT * FROM experiment WHERE name = ?", [.text(name)]) else {
                throw Self.missing("no experiment named '\(name)'")
            }
            return try Self.experiment(session, row: row)
        }
    }

    static func experiment(_ session: any SQLSession, row: SQLRow) throws -> Experiment {
        let id = row.integer("id") ?? 0
        return Experiment(
            id: String(id), name: row.text("name"), artifactLocation: row.text("artifact_location"),
            lifecycleStage: row.text("lifecycle_stage"), creationTime: row.integer("creation_time") ?? 0,
            lastUpdateTime: row.integer("last_update_time") ?? 0,
            tags: try tags(session, table: "experiment_tag", owner: [("experiment_id", .integer(id))]))
    }

    /// Renames an experiment.
    public func renameExperiment(id: String, to name: String) async throws {
        try RegistryLimits.checkName(name, of: "an experiment")
        try await database.write { session in
            let experiment = try Self.experiment(session, id: id)
            if let other = try session.first("SELECT id FROM experiment WHERE name = ?", [.text(name)]), other.text("id") != experiment.id {
                throw Self.duplicate("an experiment named '\(name)' already exists")
            }
            try session.execute(
                "UPDATE experiment SET name = ?, last_update_time = ? WHERE id = ?",
                [.text(name), .integer(self.clock.now()), .integer(Int64(experiment.id) ?? 0)])
        }
    }

    /// Marks an experiment and its runs deleted (`restore` undoes it); the Default experiment cannot be deleted.
    public func setExperimentDeleted(id: String, _ deleted: Bool) async throws {
        guard !(deleted && id == "0") else { throw KiteError.invalidArgument("the Default experiment (id 0) cannot be deleted") }
        try await database.write { session in
            let experiment = try Self.experiment(session, id: id)
            let stage = deleted ? "deleted" : "active"
            guard experiment.lifecycleStage != stage else {
                throw KiteError.invalidArgument("experiment '\(experiment.name)' is already \(stage)")
            }
            let number: SQLValue = .integer(Int64(experiment.id) ?? 0)
            try session.execute(
                "UPDATE experiment SET lifecycle_stage = ?, last_update_time = ? WHERE id = ?", [.text(stage), .integer(self.clock.now()), number])
            try session.execute(
                "UPDATE run SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?",
                [.text(stage), deleted ? .integer(self.clock.now()) : .null, number])
        }
    }

    /// Sets one tag of an experiment.
    public func setExperimentTag(id: String, key: String, value: String) async throws {
        try await database.write { session in
            let experiment = try Self.experiment(session, id: id)
            try Self.setTag(session, table: "experiment_tag", owner: [("experiment_id", .integer(Int64(experiment.id) ?? 0))], key: key, value: value)
        }
    }

    /// Deletes one tag of an experiment.
    public func deleteExperimentTag(id: String, key: String) async throws {
        try await database.write { session in
            let experiment = try Self.experiment(session, id: id)
            try session.execute("DELETE FROM experiment_tag WHERE experiment_id = ? AND key = ?", [.integer(Int64(experiment.id) ?? 0), .text(key)])
        }
    }
}
