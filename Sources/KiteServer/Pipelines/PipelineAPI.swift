import Foundation
import HTTPTypes
import KiteCore
import Pipelines
import Registry

/// Pipelines over HTTP: `GET /v1/pipelines`, `GET /v1/pipelines/{name}/runs` (with each run's attempts), `GET
/// /v1/pipelines/{name}/runs/{id}`, and `POST /v1/pipelines/{name}/runs` (queues a manual run, `logical_time`
/// optional, for a scheduler to execute; a write, so token-protected when auth is on).
enum PipelineAPI {
    static func register(in routes: APIFamily, registry: RegistryStore, pipelines: PipelineServing) {
        routes.add(.get, "v1/pipelines") { _ in
            var items: [JSONValue] = []
            for pipeline in try PipelineFile.loadAll(folder: pipelines.folder) {
                let latest = try await registry.pipelineRuns(pipeline: pipeline.name, limit: 1).first
                items.append(json(pipeline, next: pipeline.schedule?.next(after: registry.clock.now()), latest: latest))
            }
            return .object([("pipelines", .array(items)), ("scheduler", .bool(pipelines.scheduler != nil))])
        }
        routes.add(.get, "v1/pipelines/{name}/runs") { call in
            let pipeline = try Self.pipeline(call.capture("name"), in: pipelines.folder)
            let limit = Int(try call.parameters.integer("limit") ?? 20)
            guard (1...1000).contains(limit) else { throw KiteError.invalidArgument("limit must be between 1 and 1000") }
            var runs: [JSONValue] = []
            for run in try await registry.pipelineRuns(pipeline: pipeline.name, limit: limit) {
                runs.append(json(run, attempts: try await registry.pipelineAttempts(runID: run.id)))
            }
            return .object([("runs", .array(runs))])
        }
        routes.add(.get, "v1/pipelines/{name}/runs/{id}") { call in
            let run = try await registry.pipelineRun(id: call.capture("id"))
            guard run.pipeline == call.capture("name") else { throw KiteError(.notFound, "no run '\(run.id)' of pipeline '\(call.capture("name"))'") }
            return json(run, attempts: try await registry.pipelineAttempts(runID: run.id))
        }
        routes.add(.post, "v1/pipelines/{name}/runs") { call in
            let pipeline = try Self.pipeline(call.capture("name"), in: pipelines.folder)
            let time = try call.parameters.string("logical_time").map { text in
                do { return try Timestamp.parse(text) } catch {
                    throw KiteError.invalidArgument("logical_time must be an ISO 8601 time such as 2026-03-05T02:00:00Z, not '\(text)'")
                }
            }
            guard let run = try await registry.queuePipelineRun(pipeline: pipeline.name, logicalTime: time ?? registry.clock.now(), trigger: "manual")
            else { throw KiteError(.alreadyExists, "pipeline '\(pipeline.name)' already has that run") }
            return json(run, attempts: [])
        }
    }

    private static func pipeline(_ name: String, in folder: String) throws -> PipelineDefinition {
        guard let pipeline = try PipelineFile.loadAll(folder: folder).first(where: { $0.name == name }) else {
            throw KiteError(.notFound, "no pipeline '\(name)'")
        }
        return pipeline
    }

    static func json(_ pipeline: PipelineDefinition, next: Int64?, latest: StoredPipelineRun?) -> JSONValue {
        .object([
            ("name", .string(pipeline.name)), ("schedule", pipeline.schedule.map { .string($0.expression) } ?? .null),
            ("timezone", pipeline.schedule.map { .string($0.timeZoneName) } ?? .null), ("catchup", .string(pipeline.catchUp.rawValue)),
            ("max_active_runs", .integer(Int64(pipeline.maxActiveRuns))), ("next_run", next.map { .string(Timestamp.format($0)) } ?? .null),
            (
                "steps",
                .array(
                    pipeline.steps.map { step in
                        .object([
                            ("name", .string(step.name)), ("kind", .string(step.kind.rawValue)), ("depends_on", .array(step.dependsOn.map(JSONValue.string))),
                            ("shards", .integer(Int64(step.shards))), ("retries", .integer(Int64(step.retries))),
                            ("timeout", step.timeout.map { .string($0.description) } ?? .null),
                        ])
                    })
            ),
            ("latest_run", latest.map { json($0, attempts: nil) } ?? .null),
        ])
    }

    static func json(_ run: StoredPipelineRun, attempts: [StoredPipelineAttempt]?) -> JSONValue {
        let time = { (value: Int64?) in value.map { JSONValue.string(Timestamp.format($0)) } ?? .null }
        var pairs: [(String, JSONValue)] = [
            ("id", .string(run.id)), ("pipeline", .string(run.pipeline)), ("logical_time", time(run.logicalTime)), ("trigger", .string(run.trigger)),
            ("status", .string(run.status)), ("queued_time", time(run.queuedTime)), ("start_time", time(run.startTime)), ("end_time", time(run.endTime)),
            ("message", run.message.map(JSONValue.string) ?? .null),
        ]
        if let attempts {
            pairs.append(
                (
                    "attempts",
                    .array(
                        attempts.map { attempt in
                            .object([
                                ("step", .string(attempt.step)), ("task", .integer(Int64(attempt.task))), ("attempt", .integer(Int64(attempt.attempt))),
                                ("status", .string(attempt.status)), ("start_time", time(attempt.startTime)), ("end_time", time(attempt.endTime)),
                                ("exit_code", attempt.exitCode.map { .integer(Int64($0)) } ?? .null), ("log", attempt.log.map(JSONValue.string) ?? .null),
                                ("message", attempt.message.map(JSONValue.string) ?? .null),
                            ])
                        })
                ))
        }
        return .object(pairs)
    }
}
