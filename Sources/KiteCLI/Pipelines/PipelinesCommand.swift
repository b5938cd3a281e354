import ArgumentParser
import Features
import Foundation
import KiteCore
import ObjectStorage
import Pipelines
import Registry

/// `kite pipelines`: the project's pipelines (`pipelines/*.yaml`), their runs and logs.
struct PipelinesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipelines", abstract: "List, run, backfill and inspect the project's pipelines (pipelines/*.yaml).",
        discussion: """
            A pipeline is a DAG of steps, each a kite command: materialize-incremental, batch-predict (optionally \
            in shards), train, or any command. Steps run after their depends_on, with retries (exponential \
            backoff) and a timeout each; every run and attempt is recorded in the registry with its exit code and \
            log. 'kite scheduler' runs scheduled pipelines when due; 'kite airflow export' writes them as Airflow \
            DAGs.
            """,
        subcommands: [List.self, Run.self, Runs.self, Logs.self, Backfill.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "The pipelines, their schedules, next firing and latest run.")
        @OptionGroup var options: ProjectOptions

        func run() async throws {
            let configuration = try options.configuration()
            let pipelines = try PipelineFile.loadAll(folder: configuration.folder + "/pipelines")
            guard !pipelines.isEmpty else { return Terminal.standardOutput("no pipelines in \(configuration.folder)/pipelines\n") }
            let rows = try await options.withRegistry(configuration) { registry in
                var rows: [[String]] = []
                for pipeline in pipelines {
                    let latest = try await registry.pipelineRuns(pipeline: pipeline.name, limit: 1).first
                    let next = pipeline.schedule.flatMap { $0.next(after: registry.clock.now()) }.map(Timestamp.format) ?? "manual"
                    rows.append([
                        pipeline.name, pipeline.schedule?.description ?? "-", next, pipeline.steps.map(\.name).joined(separator: " → "),
                        latest.map { "\($0.status) (\(Timestamp.format($0.logicalTime)))" } ?? "never run",
                    ])
                }
                return rows
            }
            Terminal.standardOutput(TableFormatter.render(headers: [["pipeline", "schedule", "next", "steps", "latest run"]], rows: rows))
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a pipeline now, in the foreground; the exit status says whether it succeeded.",
            discussion: "The run's logical time ({{ ds }}, {{ ts }} in its steps) is --date, or now.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The pipeline's name.") var name: String
        @Option(help: "The run's logical time (ISO 8601). Default: now.") var date: String?

        func run() async throws {
            let time = try date.map(PipelinesCommand.parseTime)
            try await PipelinesCommand.runInForeground(options: options, name: name, times: time.map { [$0] }, trigger: "manual")
        }
    }

    struct Backfill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backfill",
            abstract: "Run a scheduled pipeline for each of its firings from START to END (both included), oldest first.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The pipeline's name.") var name: String
        @Argument(help: "The first time (ISO 8601).") var start: String
        @Argument(help: "The last time (ISO 8601).") var end: String

        func run() async throws {
            let (from, through) = (try PipelinesCommand.parseTime(start), try PipelinesCommand.parseTime(end))
            guard from <= through else { throw ValidationError("START must not be after END") }
            let configuration = try options.configuration()
            let pipeline = try PipelinesCommand.pipeline(name, configuration: configuration)
            guard let schedule = pipeline.schedule else { throw KiteError.invalidArgument("pipeline '\(name)' has no schedule to backfill") }
            let times = schedule.times(after: from - 1, through: through)
            guard !times.isEmpty else { return Terminal.standardOutput("pipeline \(name) does not fire between \(start) and \(end)\n") }
            try await PipelinesCommand.runInForeground(options: options, name: name, times: times, trigger: "backfill")
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "runs", abstract: "A pipeline's runs, newest first, with each step's attempts.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The pipeline's name.") var name: String
        @Option(help: "How many runs to show.") var limit = 20

        func run() async throws {
            let configuration = try options.configuration()
            let text = try await options.withRegistry(configuration) { [name, limit] registry in
                var rows: [[String]] = []
                for run in try await registry.pipelineRuns(pipeline: name, limit: limit) {
                    let attempts = try await registry.pipelineAttempts(runID: run.id)
                    let steps = attempts.map { "\($0.step)\($0.task > 0 ? "[\($0.task + 1)]" : "")#\($0.attempt) \($0.status)" }
                    rows.append([
                        run.id, Timestamp.format(run.logicalTime), run.trigger, run.status, steps.joined(separator: ", "), run.message ?? "",
                    ])
                }
                return rows.isEmpty
                    ? "pipeline \(name) has no runs\n"
                    : TableFormatter.render(headers: [["run", "logical time", "trigger", "status", "attempts", "message"]], rows: rows)
            }
            Terminal.standardOutput(text)
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logs", abstract: "The output of each attempt of a pipeline run.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The run's id (kite pipelines runs NAME lists them).") var run: String

        func run() async throws {
            try await StoragePath.withS3 { s3 in
                let configuration = try options.configuration()
                let artifacts = try options.artifactStore(configuration, s3: s3)
                let attempts = try await options.withRegistry(configuration) { [run] registry in
                    _ = try await registry.pipelineRun(id: run)
                    return try await registry.pipelineAttempts(runID: run)
                }
                for attempt in attempts {
                    Terminal.standardOutput("== \(attempt.step) task \(attempt.task + 1) attempt \(attempt.attempt): \(attempt.status)\n")
                    guard let log = attempt.log else { continue }
                    let bytes = (try? await artifacts.objects.get(log)) ?? FileManager.default.contents(atPath: log).map(Array.init)
                    Terminal.standardOutput(bytes.map { String(decoding: $0, as: UTF8.self) } ?? "(the log \(log) is gone)\n")
                }
            }
        }
    }

    static func parseTime(_ text: String) throws -> Int64 {
        do { return try Timestamp.parse(text) } catch { throw ValidationError("'\(text)' is not an ISO 8601 time such as 2026-03-05T02:00:00Z") }
    }

    static func pipeline(_ name: String, configuration: ProjectConfiguration) throws -> PipelineDefinition {
        let pipelines = try PipelineFile.loadAll(folder: configuration.folder + "/pipelines")
        guard let pipeline = pipelines.first(where: { $0.name == name }) else {
            throw KiteError(
                .notFound, "no pipeline '\(name)' in \(configuration.folder)/pipelines; pipelines: \(pipelines.map(\.name).joined(separator: ", "))")
        }
        return pipeline
    }

    /// Queues and executes runs of `name` at `times` (now when nil) one after another, printing each; fails when
    /// one fails.
    static func runInForeground(options: ProjectOptions, name: String, times: [Int64]?, trigger: String) async throws {
        try await StoragePath.withS3 { s3 in
            let configuration = try options.configuration()
            let pipeline = try pipeline(name, configuration: configuration)
            let artifacts = try options.artifactStore(configuration, s3: s3)
            try await options.withRegistry(configuration) { registry in
                let runner = try runner(configuration: configuration, registry: registry, artifacts: artifacts)
                for time in times ?? [registry.clock.now()] {
                    let (run, ending) = try await runOnce(pipeline, at: time, trigger: trigger, runner: runner) { run in
                        Terminal.standardOutput("pipeline \(name) run \(run.id) (\(Timestamp.format(time))): ")
                    }
                    let attempts = try await registry.pipelineAttempts(runID: run.id)
                    switch ending {
                    case .succeeded:
                        Terminal.standardOutput(
                            "succeeded (\(attempts.map { "\($0.step)\($0.task > 0 ? "[\($0.task + 1)]" : "")" }.joined(separator: ", ")))\n")
                    case .failed(let message):
                        Terminal.standardOutput("failed\n")
                        throw KiteError(.unprocessable, "pipeline \(name) failed: \(message); see kite pipelines logs \(run.id)")
                    case .interrupted:
                        Terminal.standardOutput("interrupted\n")
                        throw KiteError(.unavailable, "pipeline \(name) run \(run.id) was interrupted; a scheduler will resume it")
                    }
                }
            }
        }
    }

    /// Queues a run of `pipeline` at `time`, takes its lease and executes it (`started` is told the run first).
    static func runOnce(
        _ pipeline: PipelineDefinition, at time: Int64, trigger: String, runner: PipelineRunner, started: (StoredPipelineRun) -> Void = { _ in }
    ) async throws -> (StoredPipelineRun, PipelineRunner.Ending) {
        let registry = runner.registry
        guard let run = try await registry.queuePipelineRun(pipeline: pipeline.name, logicalTime: time, trigger: trigger) else {
            throw KiteError(.alreadyExists, "pipeline \(pipeline.name) already has a run for \(Timestamp.format(time))")
        }
        guard try await registry.leasePipelineRun(id: run.id, owner: runner.owner, until: registry.clock.now() + runner.lease.microseconds) else {
            throw KiteError(.unavailable, "another scheduler took run \(run.id)")
        }
        started(run)
        return (run, try await runner.execute(run, of: pipeline))
    }

    /// A runner for the project: steps run this `kite` executable, logs go to the artifact store.
    static func runner(configuration: ProjectConfiguration, registry: RegistryStore, artifacts: ArtifactStore) throws -> PipelineRunner {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let folder = URL(fileURLWithPath: configuration.folder).standardizedFileURL.path
        let logs = folder + "/.kite/pipeline-logs"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let owner = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
        return PipelineRunner(
            registry: registry, commands: CommandRunner(executable: executable, project: folder), logStore: artifacts.objects, logFolder: logs, owner: owner)
    }
}
