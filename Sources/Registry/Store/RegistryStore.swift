import Foundation
import KiteCore

/// Experiments, runs, logged models and registered models in one SQL database — SQLite (the default) or
/// PostgreSQL — with versioned migrations. Experiment `0`, named `Default`, exists from the start, as MLflow's
/// clients expect.
public final class RegistryStore: Sendable {
    let database: any SQLDatabase
    /// The artifact root that experiments' locations start with, such as `mlflow-artifacts:`.
    let artifactRoot: String

    /// Opens (creating and migrating) the store at `url`: `sqlite:PATH` or `postgres://USER@HOST:PORT/DB`.
    public static func open(url: String, artifactRoot: String = "mlflow-artifacts:") async throws -> RegistryStore {
        let database: any SQLDatabase
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            database = try PostgresDatabase(url: url)
        } else if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw KiteError.invalidArgument("registry URL '\(url)' names no file: write sqlite:PATH") }
            database = try SQLiteDatabase(path: path)
        } else {
            throw KiteError.invalidArgument("registry URL '\(url)' is neither sqlite:PATH nor postgres://USER@HOST:PORT/DATABASE")
        }
        let store = RegistryStore(database: database, artifactRoot: artifactRoot)
        do {
            try await RegistrySchema.migrator.migrate(database)
            try await store.createDefaultExperiment()
        } catch {
            await database.close()
            throw error
        }
        return store
    }

    private init(database: any SQLDatabase, artifactRoot: String) {
        self.database = database
        self.artifactRoot = artifactRoot.hasSuffix("/") ? String(artifactRoot.dropLast()) : artifactRoot
    }

    /// Closes the database connections.
    public func close() async { await database.close() }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    static func missing(_ what: String) -> KiteError { KiteError(.notFound, what, cause: "RESOURCE_DOES_NOT_EXIST") }

    static func duplicate(_ what: String) -> KiteError { KiteError(.alreadyExists, what, cause: "RESOURCE_ALREADY_EXISTS") }

    /// Replaces a row's key/value tags: `table` has columns (`owner`…, key, value).
    static func setTag(_ session: any SQLSession, table: String, owner: [(String, SQLValue)], key: String, value: String) async throws {
        try RegistryLimits.checkTag(key: key, value: value)
        let columns = owner.map(\.0) + ["key", "value"]
        try await session.execute(
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", "))) "
                + "ON CONFLICT (\(owner.map(\.0).joined(separator: ", ")), key) DO UPDATE SET value = excluded.value",
            owner.map(\.1) + [.text(key), .text(value)])
    }

    /// The key/value pairs of `table` for one owner.
    static func tags(_ session: any SQLSession, table: String, owner: [(String, SQLValue)]) async throws -> [String: String] {
        let rows = try await session.query(
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
            guard try await session.first("SELECT id FROM experiment WHERE id = 0", []) == nil else { return }
            let now = Self.now()
            try await session.execute(
                "INSERT INTO experiment (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
                [.text(artifactRoot + "/0"), .integer(now), .integer(now)])
        }
    }

    /// Creates an experiment and returns its id; a name in use (even by a deleted experiment) is `already_exists`.
    public func createExperiment(name: String, artifactLocation: String? = nil, tags: [String: String] = [:]) async throws -> String {
        try RegistryLimits.checkName(name, of: "an experiment")
        return try await database.write { [artifactRoot] session in
            if try await session.first("SELECT id FROM experiment WHERE name = ?", [.text(name)]) != nil {
                throw Self.duplicate("an experiment named '\(name)' already exists (deleted experiments keep their names until purged)")
            }
            let id = (try await session.first("SELECT MAX(id) AS id FROM experiment", [])?.integer("id") ?? 0) + 1
            let now = Self.now()
            try await session.execute(
                "INSERT INTO experiment (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, 'active', ?, ?)",
                [.integer(id), .text(name), .text(artifactLocation ?? "\(artifactRoot)/\(id)"), .integer(now), .integer(now)])
            for (key, value) in tags {
                try await Self.setTag(session, table: "experiment_tag", owner: [("experiment_id", .integer(id))], key: key, value: value)
            }
            return String(id)
        }
    }

    /// The experiment with `id`, or `not_found`.
    public func experiment(id: String) async throws -> Experiment {
        try await database.read { session in try await Self.experiment(session, id: id) }
    }

    static func experiment(_ session: any SQLSession, id: String) async throws -> Experiment {
        guard let number = Int64(id), let row = try await session.first("SELECT * FROM experiment WHERE id = ?", [.integer(number)]) else {
            throw missing("no experiment with id '\(id)'")
        }
        return try await experiment(session, row: row)
    }

    /// The experiment named `name`, or `not_found`.
    public func experiment(named name: String) async throws -> Experiment {
        try await database.read { session in
            guard let row = try await session.first("SELECT * FROM experiment WHERE name = ?", [.text(name)]) else {
                throw Self.missing("no experiment named '\(name)'")
            }
            return try await Self.experiment(session, row: row)
        }
    }

    static func experiment(_ session: any SQLSession, row: SQLRow) async throws -> Experiment {
        let id = row.integer("id") ?? 0
        return Experiment(
            id: String(id), name: row.text("name"), artifactLocation: row.text("artifact_location"),
            lifecycleStage: row.text("lifecycle_stage"), creationTime: row.integer("creation_time") ?? 0,
            lastUpdateTime: row.integer("last_update_time") ?? 0,
            tags: try await tags(session, table: "experiment_tag", owner: [("experiment_id", .integer(id))]))
    }

    /// Renames an experiment.
    public func renameExperiment(id: String, to name: String) async throws {
        try RegistryLimits.checkName(name, of: "an experiment")
        try await database.write { session in
            let experiment = try await Self.experiment(session, id: id)
            if let other = try await session.first("SELECT id FROM experiment WHERE name = ?", [.text(name)]), other.text("id") != experiment.id {
                throw Self.duplicate("an experiment named '\(name)' already exists")
            }
            try await session.execute(
                "UPDATE experiment SET name = ?, last_update_time = ? WHERE id = ?", [.text(name), .integer(Self.now()), .integer(Int64(experiment.id) ?? 0)])
        }
    }

    /// Marks an experiment and its runs deleted (`restore` undoes it); the Default experiment cannot be deleted.
    public func setExperimentDeleted(id: String, _ deleted: Bool) async throws {
        guard !(deleted && id == "0") else { throw KiteError.invalidArgument("the Default experiment (id 0) cannot be deleted") }
        try await database.write { session in
            let experiment = try await Self.experiment(session, id: id)
            let stage = deleted ? "deleted" : "active"
            guard experiment.lifecycleStage != stage else {
                throw KiteError.invalidArgument("experiment '\(experiment.name)' is already \(stage)")
            }
            let number: SQLValue = .integer(Int64(experiment.id) ?? 0)
            try await session.execute(
                "UPDATE experiment SET lifecycle_stage = ?, last_update_time = ? WHERE id = ?", [.text(stage), .integer(Self.now()), number])
            try await session.execute(
                "UPDATE run SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?",
                [.text(stage), deleted ? .integer(Self.now()) : .null, number])
        }
    }

    /// Sets one tag of an experiment.
    public func setExperimentTag(id: String, key: String, value: String) async throws {
        try await database.write { session in
            let experiment = try await Self.experiment(session, id: id)
            try await Self.setTag(session, table: "experiment_tag", owner: [("experiment_id", .integer(Int64(experiment.id) ?? 0))], key: key, value: value)
        }
    }

    /// Deletes one tag of an experiment.
    public func deleteExperimentTag(id: String, key: String) async throws {
        try await database.write { session in
            let experiment = try await Self.experiment(session, id: id)
            try await session.execute("DELETE FROM experiment_tag WHERE experiment_id = ? AND key = ?", [.integer(Int64(experiment.id) ?? 0), .text(key)])
        }
    }
}
