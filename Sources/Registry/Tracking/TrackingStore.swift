import Foundation
import GRDB
import KiteCore

/// Experiments, runs, params, metrics (full history) and tags in SQLite through GRDB, with versioned
/// migrations; experiment `0`, named `Default`, exists from the start, as MLflow's clients expect.
public final class TrackingStore: Sendable {
    private let database: DatabasePool
    private let artifactRoot: String

    /// Opens (creating and migrating) the store at `path`; run artifacts go under `artifactRoot`.
    public init(path: String, artifactRoot: String) throws {
        self.artifactRoot = artifactRoot
        do {
            if let slash = path.lastIndex(of: "/") {
                try FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
            }
            database = try DatabasePool(path: path)
            try Self.migrator(artifactRoot: artifactRoot).migrate(database)
        } catch let error as DatabaseError {
            throw KiteError(.io, "cannot open the tracking store \(path): \(error.message ?? "\(error)")")
        }
    }

    static func migrator(artifactRoot: String) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: experiments and runs") { db in
            try db.execute(sql: """
                CREATE TABLE experiment (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, artifact_location TEXT NOT NULL,
                    lifecycle_stage TEXT NOT NULL DEFAULT 'active', creation_time INTEGER NOT NULL,
                    last_update_time INTEGER NOT NULL);
                CREATE TABLE experiment_tag (
                    experiment_id INTEGER NOT NULL REFERENCES experiment(id), key TEXT NOT NULL, value TEXT NOT NULL,
                    PRIMARY KEY (experiment_id, key));
                CREATE TABLE run (
                    id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiment(id), name TEXT NOT NULL,
                    status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER,
                    lifecycle_stage TEXT NOT NULL DEFAULT 'active', artifact_uri TEXT NOT NULL);
                CREATE INDEX run_by_experiment ON run(experiment_id, start_time);
                CREATE TABLE param (
                    run_id TEXT NOT NULL REFERENCES run(id), key TEXT NOT NULL, value TEXT NOT NULL,
                    PRIMARY KEY (run_id, key));
                CREATE TABLE run_tag (
                    run_id TEXT NOT NULL REFERENCES run(id), key TEXT NOT NULL, value TEXT NOT NULL,
                    PRIMARY KEY (run_id, key));
                CREATE TABLE metric (
                    run_id TEXT NOT NULL REFERENCES run(id), key TEXT NOT NULL, value REAL NOT NULL,
                    timestamp INTEGER NOT NULL, step INTEGER NOT NULL);
                CREATE INDEX metric_by_run ON metric(run_id, key, step, timestamp);
                """)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            try db.execute(
                sql: "INSERT INTO experiment (id, name, artifact_location, creation_time, last_update_time) VALUES (0, 'Default', ?, ?, ?)",
                arguments: [artifactRoot + "/0", now, now])
        }
        return migrator
    }

    /// Runs `body` in a read transaction (for the store's extensions).
    func readRows<T>(_ body: (Database) throws -> T) throws -> T { try read(body) }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError {
            throw KiteError(.io, "tracking store: \(error.message ?? "\(error)")")
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as DatabaseError {
            throw KiteError(.io, "tracking store: \(error.message ?? "\(error)")")
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Experiments

    /// Creates an experiment; a name in use is `already_exists`.
    public func createExperiment(name: String, tags: [String: String] = [:]) throws -> String {
        guard !name.isEmpty else { throw KiteError.invalidArgument("an experiment needs a non-empty name") }
        return try write { db in
            if try Int.fetchOne(db, sql: "SELECT id FROM experiment WHERE name = ?", arguments: [name]) != nil {
                throw KiteError(.alreadyExists, "an experiment named '\(name)' already exists", cause: "RESOURCE_ALREADY_EXISTS")
            }
            let id = (try Int.fetchOne(db, sql: "SELECT MAX(id) FROM experiment") ?? 0) + 1
            let now = Self.now()
            try db.execute(
                sql: "INSERT INTO experiment (id, name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, name, "\(artifactRoot)/\(id)", now, now])
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO experiment_tag VALUES (?, ?, ?)", arguments: [id, key, value])
            }
            return String(id)
        }
    }

    /// The experiment with `id`, or `not_found`.
    public func experiment(id: String) throws -> Experiment {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiment WHERE id = ?", arguments: [Int(id) ?? -1]) else {
                throw KiteError(.notFound, "no experiment with id '\(id)'", cause: "RESOURCE_DOES_NOT_EXIST")
            }
            return try Self.experiment(row, db)
        }
    }

    /// The experiment named `name`, or `not_found`.
    public func experiment(named name: String) throws -> Experiment {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM experiment WHERE name = ?", arguments: [name]) else {
                throw KiteError(.notFound, "no experiment named '\(name)'", cause: "RESOURCE_DOES_NOT_EXIST")
            }
            return try Self.experiment(row, db)
        }
    }

    private static func experiment(_ row: Row, _ db: Database) throws -> Experiment {
        let id: Int = row["id"]
        var tags: [String: String] = [:]
        for tag in try Row.fetchAll(db, sql: "SELECT key, value FROM experiment_tag WHERE experiment_id = ?", arguments: [id]) {
            tags[tag["key"]] = tag["value"]
        }
        return Experiment(
            id: String(id), name: row["name"], artifactLocation: row["artifact_location"],
            lifecycleStage: row["lifecycle_stage"], creationTime: row["creation_time"],
            lastUpdateTime: row["last_update_time"], tags: tags)
    }

    // MARK: Runs

    /// Starts a run in an active experiment.
    public func createRun(experimentID: String, name: String? = nil, startTime: Int64? = nil, tags: [String: String] = [:]) throws -> Run {
        let experiment = try self.experiment(id: experimentID)
        guard experiment.lifecycleStage == "active" else {
            throw KiteError.invalidArgument("experiment '\(experiment.name)' is deleted; restore it to add runs")
        }
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let runName = name ?? "run-\(id.prefix(8))"
        let start = startTime ?? Self.now()
        try write { db in
            try db.execute(
                sql: "INSERT INTO run (id, experiment_id, name, status, start_time, artifact_uri) VALUES (?, ?, ?, 'RUNNING', ?, ?)",
                arguments: [id, Int(experimentID) ?? 0, runName, start, "\(experiment.artifactLocation)/\(id)/artifacts"])
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO run_tag VALUES (?, ?, ?)", arguments: [id, key, value])
            }
        }
        return try run(id: id)
    }

    /// The run with `id`, with its params, latest metrics and tags.
    public func run(id: String) throws -> Run {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]) else {
                throw KiteError(.notFound, "no run with id '\(id)'", cause: "RESOURCE_DOES_NOT_EXIST")
            }
            var params: [String: String] = [:]
            for p in try Row.fetchAll(db, sql: "SELECT key, value FROM param WHERE run_id = ?", arguments: [id]) {
                params[p["key"]] = p["value"]
            }
            var tags: [String: String] = [:]
            for t in try Row.fetchAll(db, sql: "SELECT key, value FROM run_tag WHERE run_id = ?", arguments: [id]) {
                tags[t["key"]] = t["value"]
            }
            var metrics: [String: Metric] = [:]
            for m in try Row.fetchAll(db, sql: "SELECT key, value, timestamp, step FROM metric WHERE run_id = ? ORDER BY step, timestamp, rowid", arguments: [id]) {
                let metric = Metric(key: m["key"], value: m["value"], timestamp: m["timestamp"], step: m["step"])
                metrics[metric.key] = metric
            }
            return Run(
                id: id, experimentID: String(row["experiment_id"] as Int), name: row["name"], status: row["status"],
                startTime: row["start_time"], endTime: row["end_time"], lifecycleStage: row["lifecycle_stage"],
                artifactURI: row["artifact_uri"], params: params, metrics: metrics, tags: tags)
        }
    }

    /// Logs metrics, params and tags in one transaction (MLflow's log-batch). A param may be logged again only
    /// with the same value.
    public func log(runID: String, metrics: [Metric] = [], params: [String: String] = [:], tags: [String: String] = [:]) throws {
        try write { db in
            guard try String.fetchOne(db, sql: "SELECT lifecycle_stage FROM run WHERE id = ?", arguments: [runID]) == "active" else {
                throw KiteError(.notFound, "no active run with id '\(runID)'", cause: "RESOURCE_DOES_NOT_EXIST")
            }
            for (key, value) in params {
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM param WHERE run_id = ? AND key = ?", arguments: [runID, key]) {
                    guard existing == value else {
                        throw KiteError.invalidArgument("param '\(key)' of run \(runID) is already '\(existing)'; params cannot change (got '\(value)')")
                    }
                    continue
                }
                try db.execute(sql: "INSERT INTO param VALUES (?, ?, ?)", arguments: [runID, key, value])
            }
            for (key, value) in tags {
                try db.execute(sql: "INSERT OR REPLACE INTO run_tag VALUES (?, ?, ?)", arguments: [runID, key, value])
            }
            let insert = try db.makeStatement(sql: "INSERT INTO metric VALUES (?, ?, ?, ?, ?)")
            for metric in metrics {
                try insert.execute(arguments: [runID, metric.key, metric.value, metric.timestamp, metric.step])
            }
        }
    }

    /// Every logged value of one metric, by step then time.
    public func metricHistory(runID: String, key: String) throws -> [Metric] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT value, timestamp, step FROM metric WHERE run_id = ? AND key = ? ORDER BY step, timestamp, rowid",
                arguments: [runID, key]
            ).map { Metric(key: key, value: $0["value"], timestamp: $0["timestamp"], step: $0["step"]) }
        }
    }

    /// Ends a run with a status.
    public func finishRun(id: String, status: String = "FINISHED", endTime: Int64? = nil) throws {
        let statuses = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]
        guard statuses.contains(status) else {
            throw KiteError.invalidArgument("run status '\(status)' is not one of \(statuses.joined(separator: ", "))")
        }
        try write { db in
            try db.execute(sql: "UPDATE run SET status = ?, end_time = ? WHERE id = ?", arguments: [status, endTime ?? Self.now(), id])
            guard db.changesCount == 1 else {
                throw KiteError(.notFound, "no run with id '\(id)'", cause: "RESOURCE_DOES_NOT_EXIST")
            }
        }
    }
}
