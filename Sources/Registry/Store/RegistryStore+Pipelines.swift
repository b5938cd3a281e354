import Foundation
import KiteCore

/// A pipeline run as the registry keeps it.
public struct StoredPipelineRun: Sendable, Hashable {
    public var id: String
    public var pipeline: String
    /// The firing (or the manual time) the run stands for, µs since the epoch.
    public var logicalTime: Int64
    /// `scheduled`, `manual` or `backfill`.
    public var trigger: String
    /// `queued`, `running`, `succeeded` or `failed`.
    public var status: String
    public var queuedTime: Int64
    public var startTime: Int64?
    public var endTime: Int64?
    public var message: String?
    /// The scheduler executing it, and until when its lease holds.
    public var leaseOwner: String?
    public var leaseExpires: Int64?
}

/// One attempt of one task (a step, or one shard of it) of a pipeline run.
public struct StoredPipelineAttempt: Sendable, Hashable {
    public var runID: String
    public var step: String
    public var task: Int
    public var attempt: Int
    /// `running`, `succeeded`, `failed` or `interrupted`.
    public var status: String
    public var startTime: Int64
    public var endTime: Int64?
    public var exitCode: Int?
    /// Where the attempt's output is (an artifact store location).
    public var log: String?
    public var message: String?
}

extension RegistryStore {
    /// Queues a run of `pipeline` at `logicalTime`. A scheduled run that exists already (another scheduler made
    /// it) is not made twice: the answer is nil then.
    public func queuePipelineRun(pipeline: String, logicalTime: Int64, trigger: String) async throws -> StoredPipelineRun? {
        let id = UUID().uuidString.lowercased()
        let now = clock.now()
        return try await database.write { session in
            try session.execute(
                """
                INSERT INTO pipeline_run (id, pipeline, logical_time, run_trigger, status, queued_time) VALUES (?, ?, ?, ?, 'queued', ?)
                ON CONFLICT DO NOTHING
                """,
                [.text(id), .text(pipeline), .integer(logicalTime), .text(trigger), .integer(now)])
            return try session.first("SELECT * FROM pipeline_run WHERE id = ?", [.text(id)]).map(Self.pipelineRun)
        }
    }

    /// Takes (or renews) the lease of run `id` for `owner` until `until`: granted when the run is unfinished and its
    /// lease is free, expired or already `owner`'s. A run taken the first time starts (`running`, start time now).
    public func leasePipelineRun(id: String, owner: String, until: Int64) async throws -> Bool {
        let now = clock.now()
        return try await database.write { session in
            try session.execute(
                """
                UPDATE pipeline_run SET lease_owner = ?, lease_expires = ?, status = 'running', start_time = COALESCE(start_time, ?)
                WHERE id = ? AND status IN ('queued', 'running') AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires < ?)
                """,
                [.text(owner), .integer(until), .integer(now), .text(id), .text(owner), .integer(now)])
            return try session.first("SELECT lease_owner FROM pipeline_run WHERE id = ?", [.text(id)])?.optionalText("lease_owner") == owner
        }
    }

    /// Gives up `owner`'s lease on run `id` (it stays unfinished: the next scheduler takes it at once).
    public func releasePipelineRun(id: String, owner: String) async throws {
        try await database.write { session in
            try session.execute(
                "UPDATE pipeline_run SET lease_owner = NULL, lease_expires = NULL WHERE id = ? AND lease_owner = ?", [.text(id), .text(owner)])
        }
    }

    /// Ends run `id` as `status` (`succeeded` or `failed`) with `message`, releasing its lease.
    public func finishPipelineRun(id: String, status: String, message: String?) async throws {
        let now = clock.now()
        try await database.write { session in
            try session.execute(
                "UPDATE pipeline_run SET status = ?, end_time = ?, message = ?, lease_owner = NULL, lease_expires = NULL WHERE id = ?",
                [.text(status), .integer(now), message.map(SQLValue.text) ?? .null, .text(id)])
        }
    }

    /// The run `id`, or `not_found`.
    public func pipelineRun(id: String) async throws -> StoredPipelineRun {
        try await database.read { session in
            guard let row = try session.first("SELECT * FROM pipeline_run WHERE id = ?", [.text(id)]) else { throw Self.missing("no pipeline run '\(id)'") }
            return Self.pipelineRun(row)
        }
    }

    /// Runs of `pipeline` (of every pipeline when nil), newest first, at most `limit`.
    public func pipelineRuns(pipeline: String? = nil, limit: Int = 100) async throws -> [StoredPipelineRun] {
        let sql =
            "SELECT * FROM pipeline_run" + (pipeline == nil ? "" : " WHERE pipeline = ?")
            + " ORDER BY logical_time DESC, queued_time DESC LIMIT \(max(1, limit))"
        return try await database.read { session in try session.query(sql, pipeline.map { [.text($0)] } ?? []).map(Self.pipelineRun) }
    }

    /// Runs a scheduler may take now: queued ones, and running ones whose lease has expired (their scheduler died),
    /// oldest logical time first.
    public func claimablePipelineRuns() async throws -> [StoredPipelineRun] {
        let now = clock.now()
        return try await database.read { session in
            try session.query(
                """
                SELECT * FROM pipeline_run WHERE status = 'queued' OR (status = 'running' AND (lease_owner IS NULL OR lease_expires < ?))
                ORDER BY logical_time, queued_time
                """, [.integer(now)]
            ).map(Self.pipelineRun)
        }
    }

    /// How many runs of `pipeline` execute now (running, under a live lease).
    public func activePipelineRuns(pipeline: String) async throws -> Int {
        let now = clock.now()
        return try await database.read { session in
            Int(
                try session.first(
                    "SELECT COUNT(*) AS n FROM pipeline_run WHERE pipeline = ? AND status = 'running' AND lease_expires >= ?", [.text(pipeline), .integer(now)]
                )?.integer("n") ?? 0)
        }
    }

    /// The latest logical time of `pipeline`'s scheduled runs.
    public func latestScheduledPipelineRun(pipeline: String) async throws -> Int64? {
        try await database.read { session in
            try session.first(
                "SELECT MAX(logical_time) AS latest FROM pipeline_run WHERE pipeline = ? AND run_trigger = 'scheduled'", [.text(pipeline)]
            )?.integer("latest")
        }
    }

    /// Records the start of an attempt.
    public func startPipelineAttempt(runID: String, step: String, task: Int, attempt: Int, log: String?) async throws {
        let now = clock.now()
        try await database.write { session in
            try session.execute(
                "INSERT INTO pipeline_attempt (run_id, step, task, attempt, status, start_time, log) VALUES (?, ?, ?, ?, 'running', ?, ?)",
                [.text(runID), .text(step), .integer(Int64(task)), .integer(Int64(attempt)), .integer(now), log.map(SQLValue.text) ?? .null])
        }
    }

    /// Records how an attempt ended.
    public func finishPipelineAttempt(
        runID: String, step: String, task: Int, attempt: Int, status: String, exitCode: Int?, message: String?
    ) async throws {
        let now = clock.now()
        try await database.write { session in
            try session.execute(
                """
                UPDATE pipeline_attempt SET status = ?, end_time = ?, exit_code = ?, message = ?
                WHERE run_id = ? AND step = ? AND task = ? AND attempt = ?
                """,
                [
                    .text(status), .integer(now), exitCode.map { SQLValue.integer(Int64($0)) } ?? .null, message.map(SQLValue.text) ?? .null,
                    .text(runID), .text(step), .integer(Int64(task)), .integer(Int64(attempt)),
                ])
        }
    }

    /// Every attempt of run `id`, by step, task and attempt.
    public func pipelineAttempts(runID: String) async throws -> [StoredPipelineAttempt] {
        try await database.read { session in
            try session.query("SELECT * FROM pipeline_attempt WHERE run_id = ? ORDER BY start_time, step, task, attempt", [.text(runID)]).map { row in
                StoredPipelineAttempt(
                    runID: row.text("run_id"), step: row.text("step"), task: Int(row.integer("task") ?? 0), attempt: Int(row.integer("attempt") ?? 0),
                    status: row.text("status"), startTime: row.integer("start_time") ?? 0, endTime: row.integer("end_time"),
                    exitCode: row.integer("exit_code").map { Int($0) }, log: row.optionalText("log"), message: row.optionalText("message"))
            }
        }
    }

    private static func pipelineRun(_ row: SQLRow) -> StoredPipelineRun {
        StoredPipelineRun(
            id: row.text("id"), pipeline: row.text("pipeline"), logicalTime: row.integer("logical_time") ?? 0, trigger: row.text("run_trigger"),
            status: row.text("status"), queuedTime: row.integer("queued_time") ?? 0, startTime: row.integer("start_time"),
            endTime: row.integer("end_time"), message: row.optionalText("message"), leaseOwner: row.optionalText("lease_owner"),
            leaseExpires: row.integer("lease_expires"))
    }
}
