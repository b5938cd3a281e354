import Foundation
import KiteCore

extension RegistryStore {
    /// Starts a run in an active experiment; `name` (or the `mlflow.runName` tag) names it, else one is made up.
    public func createRun(
        experimentID: String, name: String? = nil, userID: String = "", startTime: Int64? = nil, tags: [String: String] = [:]
    ) async throws -> Run {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let runName = name.flatMap { $0.isEmpty ? nil : $0 } ?? tags["mlflow.runName"] ?? "run-\(id.prefix(8))"
        var tags = tags
        tags["mlflow.runName"] = runName
        try await database.write { [tags] session in
            let experiment = try Self.experiment(session, id: experimentID)
            guard experiment.lifecycleStage == "active" else {
                throw KiteError.invalidArgument("experiment '\(experiment.name)' is deleted; restore it to add runs")
            }
            if let parent = tags["mlflow.parentRunId"], try session.first("SELECT id FROM run WHERE id = ?", [.text(parent)]) == nil {
                throw Self.missing("the parent run '\(parent)' does not exist")
            }
            let seq = try Self.nextValue(session, counter: "run")
            try session.execute(
                "INSERT INTO run (id, seq, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, 'RUNNING', ?, 'active', ?)",
                [
                    .text(id), .integer(seq), .integer(Int64(experiment.id) ?? 0), .text(runName), .text(userID), .integer(startTime ?? self.clock.now()),
                    .text("\(experiment.artifactLocation)/\(id)/artifacts"),
                ])
            for (key, value) in tags {
                try Self.setTag(session, table: "run_tag", owner: [("run_seq", .integer(seq))], key: key, value: value)
            }
        }
        return try await run(id: id)
    }

    /// The run with `id`, with its params, latest metrics, tags, inputs and outputs.
    public func run(id: String) async throws -> Run {
        try await database.read { session in try Self.run(session, id: id) }
    }

    static func run(_ session: any SQLSession, id: String) throws -> Run {
        guard let run = try runs(session, ids: [id]).first else { throw missing("no run with id '\(id)'") }
        return run
    }

    /// The runs with `ids`, in that order (missing ids are left out), loaded with one query per table.
    static func runs(_ session: any SQLSession, ids: [String]) throws -> [Run] {
        guard !ids.isEmpty else { return [] }
        let rows = try session.query("SELECT * FROM run WHERE id IN \(placeholders(ids.count))", ids.map(SQLValue.text))
        let byID = Dictionary(try runs(session, rows: rows).values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return ids.compactMap { byID[$0] }
    }

    /// The runs with integer keys `seqs`, in that order.
    static func runs(_ session: any SQLSession, seqs: [Int64]) throws -> [Run] {
        guard !seqs.isEmpty else { return [] }
        let bySeq = try runs(session, rows: try session.query("SELECT * FROM run WHERE seq IN \(placeholders(seqs.count))", seqs.map(SQLValue.integer)))
        return seqs.compactMap { bySeq[$0] }
    }

    /// `(?, ?, …)` with `count` placeholders.
    private static func placeholders(_ count: Int) -> String {
        "(" + repeatElement("?", count: count).joined(separator: ", ") + ")"
    }

    /// The runs of `rows` (rows of `run`) with their params, tags, latest metrics, inputs and outputs, by integer key.
    private static func runs(_ session: any SQLSession, rows: [SQLRow]) throws -> [Int64: Run] {
        let seqs = rows.compactMap { $0.integer("seq") }
        guard !seqs.isEmpty else { return [:] }
        let keys = seqs.map(SQLValue.integer)
        func grouped(_ sql: String) throws -> [Int64: [SQLRow]] {
            Dictionary(grouping: try session.query(sql + " WHERE run_seq IN \(placeholders(keys.count))", keys)) { $0.integer("run_seq") ?? 0 }
        }
        let params = try grouped("SELECT run_seq, key, value FROM param")
        let tags = try grouped("SELECT run_seq, key, value FROM run_tag")
        let metrics = try grouped("SELECT run_seq, key, value, timestamp, step FROM latest_metric")
        let inputs = try grouped("SELECT * FROM run_input")
        let outputs = try grouped("SELECT run_seq, model_id, step FROM run_output")
        var bySeq: [Int64: Run] = [:]
        for row in rows {
            guard let seq = row.integer("seq") else { continue }
            var latest: [String: Metric] = [:]
            for m in metrics[seq] ?? [] {
                latest[m.text("key")] = Metric(
                    key: m.text("key"), value: m.real("value") ?? .nan, timestamp: m.integer("timestamp") ?? 0, step: m.integer("step") ?? 0)
            }
            bySeq[seq] = Run(
                id: row.text("id"), experimentID: row.text("experiment_id"), name: row.text("name"), userID: row.text("user_id"),
                status: RunStatus(rawValue: row.text("status")) ?? .failed, startTime: row.integer("start_time") ?? 0, endTime: row.integer("end_time"),
                lifecycleStage: row.text("lifecycle_stage"), artifactURI: row.text("artifact_uri"),
                params: pairs(params[seq] ?? []), metrics: latest, tags: pairs(tags[seq] ?? []),
                inputs: (inputs[seq] ?? []).sorted { ($0.text("name"), $0.text("digest")) < ($1.text("name"), $1.text("digest")) }.map { input in
                    DatasetInput(
                        name: input.text("name"), digest: input.text("digest"), sourceType: input.text("source_type"), source: input.text("source"),
                        schema: input.optionalText("schema"), profile: input.optionalText("profile"),
                        tags: (try? JSONDecoder().decode([String: String].self, from: Data(input.text("tags").utf8))) ?? [:])
                },
                outputs: (outputs[seq] ?? []).map { ModelOutput(modelID: $0.text("model_id"), step: $0.integer("step") ?? 0) }.sorted {
                    $0.modelID < $1.modelID
                }
            )
        }
        return bySeq
    }

    /// The integer key of run `id` (its rows' `run_seq`) and whether the run is active; `not_found` without it.
    static func runKey(_ session: any SQLSession, _ id: String) throws -> (seq: Int64, isActive: Bool) {
        guard let row = try session.first("SELECT seq, lifecycle_stage FROM run WHERE id = ?", [.text(id)]), let seq = row.integer("seq") else {
            throw missing("no run with id '\(id)'")
        }
        return (seq, row.text("lifecycle_stage") == "active")
    }

    /// The integer key of run `runID`; fails unless the run exists and is active (logging to a deleted run is an
    /// error in MLflow).
    static func requireActiveRun(_ session: any SQLSession, _ runID: String) throws -> Int64 {
        let (seq, isActive) = try runKey(session, runID)
        guard isActive else { throw KiteError.invalidArgument("run '\(runID)' is deleted; restore it before logging to it") }
        return seq
    }

    /// Logs metrics, params and tags in one transaction (MLflow's log-batch: at most 1,000 metrics, 100 params
    /// and 100 tags). A param may be logged again only with the same value.
    public func log(
        runID: String, metrics: [Metric] = [], params: [String: String] = [:], tags: [String: String] = [:]
    ) async throws {
        guard metrics.count <= RegistryLimits.batchMetrics, params.count <= RegistryLimits.batchParams, tags.count <= RegistryLimits.batchTags else {
            throw KiteError.invalidArgument(
                "a batch holds at most \(RegistryLimits.batchMetrics) metrics, \(RegistryLimits.batchParams) params and \(RegistryLimits.batchTags) tags; got \(metrics.count), \(params.count) and \(tags.count)"
            )
        }
        for (key, value) in params { try RegistryLimits.checkParam(key: key, value: value) }
        for metric in metrics { try RegistryLimits.checkKey(metric.key, of: "metric") }
        try await database.write { session in
            let seq = try Self.requireActiveRun(session, runID)
            for (key, value) in params {
                if let existing = try session.first("SELECT value FROM param WHERE run_seq = ? AND key = ?", [.integer(seq), .text(key)]) {
                    guard existing.text("value") == value else {
                        throw KiteError.invalidArgument(
                            "param '\(key)' of run \(runID) is already '\(existing.text("value"))'; params cannot change (got '\(value)')")
                    }
                    continue
                }
                try session.execute("INSERT INTO param (run_seq, key, value) VALUES (?, ?, ?)", [.integer(seq), .text(key), .text(value)])
            }
            for (key, value) in tags {
                try Self.setTag(session, table: "run_tag", owner: [("run_seq", .integer(seq))], key: key, value: value)
            }
            try Self.insert(session, metrics: metrics, runSeq: seq)
        }
    }

    /// Inserts metric values of the run with integer key `runSeq` and keeps `latest_metric` (greatest step, then
    /// timestamp) current.
    static func insert(_ session: any SQLSession, metrics: [Metric], runSeq: Int64) throws {
        // Multi-row inserts, 200 rows a statement: one round trip per chunk on PostgreSQL.
        var start = 0
        while start < metrics.count {
            let chunk = metrics[start..<min(start + 200, metrics.count)]
            var values: [SQLValue] = []
            for metric in chunk {
                values += [
                    .integer(runSeq), .text(metric.key), Self.number(metric.value), .integer(metric.timestamp), .integer(metric.step), SQLValue(metric.modelID),
                ]
            }
            try session.execute(
                "INSERT INTO metric (run_seq, key, value, timestamp, step, model_id) VALUES "
                    + chunk.map { _ in "(?, ?, ?, ?, ?, ?)" }.joined(separator: ", ") + " ON CONFLICT DO NOTHING", values)
            start += chunk.count
        }
        var latest: [String: Metric] = [:]
        for metric in metrics {
            if let seen = latest[metric.key], (seen.step, seen.timestamp) > (metric.step, metric.timestamp) { continue }
            latest[metric.key] = metric
        }
        guard !latest.isEmpty else { return }
        var values: [SQLValue] = []
        for metric in latest.values {
            values += [.integer(runSeq), .text(metric.key), Self.number(metric.value), .integer(metric.timestamp), .integer(metric.step)]
        }
        try session.execute(
            "INSERT INTO latest_metric (run_seq, key, value, timestamp, step) VALUES "
                + latest.map { _ in "(?, ?, ?, ?, ?)" }.joined(separator: ", ")
                    + """
                     ON CONFLICT (run_seq, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step
                    WHERE excluded.step > latest_metric.step
                        OR (excluded.step = latest_metric.step AND excluded.timestamp >= latest_metric.timestamp)
                    """,
            values)
    }

    /// A metric value for SQL: NaN becomes NULL (SQLite has no NaN).
    static func number(_ value: Double) -> SQLValue { value.isNaN ? .null : .real(value) }

    /// Every logged value of one metric, by step then time then arrival.
    public func metricHistory(runID: String, key: String) async throws -> [Metric] {
        try await database.read { session in
            let (seq, _) = try Self.runKey(session, runID)
            return try session.query(
                "SELECT value, timestamp, step, model_id FROM metric WHERE run_seq = ? AND key = ? ORDER BY step, timestamp, seq", [.integer(seq), .text(key)]
            ).map {
                Metric(
                    key: key, value: $0.real("value") ?? .nan, timestamp: $0.integer("timestamp") ?? 0, step: $0.integer("step") ?? 0,
                    modelID: $0.optionalText("model_id"))
            }
        }
    }

    /// Changes a run's status, end time or name (MLflow's update-run).
    public func updateRun(id: String, status: RunStatus? = nil, endTime: Int64? = nil, name: String? = nil) async throws -> Run {
        try await database.write { session in
            let run = try Self.run(session, id: id)
            let newStatus = status ?? run.status
            let end = endTime ?? (newStatus.hasEnded && status != nil ? run.endTime ?? self.clock.now() : run.endTime)
            try session.execute(
                "UPDATE run SET status = ?, end_time = ?, name = ? WHERE id = ?",
                [.text(newStatus.rawValue), SQLValue(end), .text(name.flatMap { $0.isEmpty ? nil : $0 } ?? run.name), .text(id)])
            if let name, !name.isEmpty {
                try Self.setTag(session, table: "run_tag", owner: [("run_seq", .integer(try Self.runKey(session, id).seq))], key: "mlflow.runName", value: name)
            }
            return try Self.run(session, id: id)
        }
    }

    /// Ends a run with a status.
    public func finishRun(id: String, status: RunStatus = .finished, endTime: Int64? = nil) async throws {
        _ = try await updateRun(id: id, status: status, endTime: endTime ?? self.clock.now())
    }

    /// Marks a run deleted or active again.
    public func setRunDeleted(id: String, _ deleted: Bool) async throws {
        try await database.write { session in
            _ = try Self.run(session, id: id)
            try session.execute(
                "UPDATE run SET lifecycle_stage = ?, deleted_time = ? WHERE id = ?",
                [.text(deleted ? "deleted" : "active"), deleted ? .integer(self.clock.now()) : .null, .text(id)])
        }
    }

    /// Sets one tag of a run (`mlflow.runName` renames it).
    public func setRunTag(id: String, key: String, value: String) async throws {
        try await database.write { session in
            let seq = try Self.requireActiveRun(session, id)
            try Self.setTag(session, table: "run_tag", owner: [("run_seq", .integer(seq))], key: key, value: value)
            if key == "mlflow.runName" {
                try session.execute("UPDATE run SET name = ? WHERE id = ?", [.text(value), .text(id)])
            }
        }
    }

    /// Deletes one tag of a run; a tag the run does not have is `not_found`.
    public func deleteRunTag(id: String, key: String) async throws {
        try await database.write { session in
            let seq = try Self.requireActiveRun(session, id)
            guard try session.first("SELECT key FROM run_tag WHERE run_seq = ? AND key = ?", [.integer(seq), .text(key)]) != nil else {
                throw Self.missing("run '\(id)' has no tag '\(key)'")
            }
            try session.execute("DELETE FROM run_tag WHERE run_seq = ? AND key = ?", [.integer(seq), .text(key)])
        }
    }

    /// Records datasets a run used (MLflow's log-inputs); the same dataset twice is kept once.
    public func logInputs(runID: String, datasets: [DatasetInput]) async throws {
        try await database.write { session in
            let seq = try Self.requireActiveRun(session, runID)
            for dataset in datasets {
                let tags = String(decoding: try JSONEncoder().encode(dataset.tags), as: UTF8.self)
                try session.execute(
                    """
                    INSERT INTO run_input (run_seq, name, digest, source_type, source, schema, profile, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_seq, name, digest) DO UPDATE SET tags = excluded.tags
                    """,
                    [
                        .integer(seq), .text(dataset.name), .text(dataset.digest), .text(dataset.sourceType), .text(dataset.source),
                        SQLValue(dataset.schema), SQLValue(dataset.profile), .text(tags),
                    ])
            }
        }
    }

    /// Records logged models a run produced (MLflow's log-outputs).
    public func logOutputs(runID: String, models: [ModelOutput]) async throws {
        try await database.write { session in
            let seq = try Self.requireActiveRun(session, runID)
            for model in models {
                try session.execute(
                    "INSERT INTO run_output (run_seq, model_id, step) VALUES (?, ?, ?) ON CONFLICT (run_seq, model_id) DO UPDATE SET step = excluded.step",
                    [.integer(seq), .text(model.modelID), .integer(model.step)])
            }
        }
    }
}
