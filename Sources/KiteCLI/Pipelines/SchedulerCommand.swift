import ArgumentParser
import Features
import Foundation
import KiteCore
import Logging
import Pipelines

/// `kite scheduler`: runs the project's scheduled pipelines when they are due.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler", abstract: "Run the project's scheduled pipelines when due, until SIGTERM.",
        discussion: """
            Every --interval it reads pipelines/*.yaml, queues each scheduled pipeline's due runs in the registry \
            (catchup: all, latest or none) and executes queued runs under a lease it renews. Any number of \
            schedulers may share one registry (PostgreSQL): each firing is queued once and each run executed by \
            one scheduler; when a scheduler dies, its lease expires (--lease) and another resumes the run, keeping \
            the steps that succeeded. SIGTERM stops running steps, marks them interrupted and releases the runs.
            """)
    @OptionGroup var options: ProjectOptions
    @Option(help: "How often to look for due and waiting runs, in seconds.") var interval: Double = 10
    @Option(help: "How long a run's lease lasts without renewal (e.g. 60s); a dead scheduler's runs resume after it.") var lease = "60s"

    func run() async throws {
        guard interval > 0 else { throw ValidationError("--interval must be positive") }
        let lease = try TimeSpan(parsing: lease)
        guard lease.microseconds >= 1_000_000 else { throw ValidationError("--lease must be at least 1s") }
        let interval = interval
        try await StoragePath.withS3 { s3 in
            let configuration = try options.configuration()
            // Validate every pipeline file before starting.
            let pipelines = try PipelineFile.loadAll(folder: configuration.folder + "/pipelines")
            let artifacts = try options.artifactStore(configuration, s3: s3)
            try await options.withRegistry(configuration) { registry in
                var runner = try PipelinesCommand.runner(configuration: configuration, registry: registry, artifacts: artifacts)
                runner.lease = lease
                let logger = Logger(label: "kite.scheduler")
                let scheduler = PipelineScheduler(
                    folder: configuration.folder + "/pipelines", runner: runner, interval: .milliseconds(Int64(interval * 1000)), logger: logger)
                Terminal.standardError(
                    "kite scheduler \(runner.owner): \(pipelines.filter { $0.schedule != nil }.count) scheduled pipelines in \(configuration.folder)/pipelines\n"
                )
                try await scheduler.runUntilSignalled()
            }
        }
    }
}
