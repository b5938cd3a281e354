import Foundation
import KiteCore
import Logging
import Registry
import ServiceLifecycle
import UnixSignals

/// Runs pipelines when they are due: every `interval` it reads the project's `pipelines/*.yaml`, queues each
/// scheduled pipeline's due runs in the registry (once per firing, whichever scheduler gets there first), and
/// executes runs that are queued — or whose scheduler's lease expired — under its own lease, at most
/// `max_active_runs` of a pipeline at once across every scheduler on the registry.
///
/// Catch-up: `all` queues every firing missed since the pipeline's latest scheduled run; `latest` only the most
/// recent; `none` only firings since this scheduler started. A pipeline never run before gets its most recent
/// firing of the last 32 days (`latest`, `all`) or waits for its next one (`none`).
///
/// As a `Service`, graceful shutdown (SIGTERM) stops the running steps, marks their attempts interrupted and
/// releases the runs for the next scheduler.
public final class PipelineScheduler: Service, Sendable {
    public let folder: String
    public let runner: PipelineRunner
    public let interval: Duration
    private let startedAt: Int64
    private let logger: Logger

    /// A scheduler of the pipelines in `folder` (`PROJECT/pipelines`).
    public init(folder: String, runner: PipelineRunner, interval: Duration = .seconds(10), logger: Logger = Logger(label: "kite.scheduler")) {
        self.folder = folder
        self.runner = runner
        self.interval = interval
        self.logger = logger
        self.startedAt = runner.registry.clock.now()
    }

    /// The firings of `pipeline` to queue now, given its latest scheduled run.
    public func due(_ pipeline: PipelineDefinition, latest: Int64?, now: Int64) -> [Int64] {
        guard let schedule = pipeline.schedule else { return [] }
        guard let latest else {
            guard pipeline.catchUp != .none else { return [] }
            return schedule.times(after: now - 32 * Timestamp.microsPerDay, through: now).suffix(1)
        }
        let missed = schedule.times(after: latest, through: now)
        switch pipeline.catchUp {
        case .all: return missed
        case .latest: return Array(missed.suffix(1))
        case .none: return missed.filter { $0 >= startedAt }
        }
    }

    /// One round: queue due runs, then take and start the runs this scheduler may execute (`start` runs each).
    public func tick(start: (StoredPipelineRun, PipelineDefinition) -> Void) async throws {
        let pipelines = try PipelineFile.loadAll(folder: folder)
        let registry = runner.registry
        let now = registry.clock.now()
        for pipeline in pipelines {
            for time in due(pipeline, latest: try await registry.latestScheduledPipelineRun(pipeline: pipeline.name), now: now) {
                if let run = try await registry.queuePipelineRun(pipeline: pipeline.name, logicalTime: time, trigger: "scheduled") {
                    logger.info("queued pipeline \(pipeline.name) for \(Timestamp.format(time)) (run \(run.id))")
                }
            }
        }
        let byName = Dictionary(pipelines.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for run in try await registry.claimablePipelineRuns() {
            guard let pipeline = byName[run.pipeline] else {
                try await registry.finishPipelineRun(id: run.id, status: "failed", message: "pipeline '\(run.pipeline)' is no longer in \(folder)")
                continue
            }
            guard try await registry.activePipelineRuns(pipeline: pipeline.name) < pipeline.maxActiveRuns else { continue }
            guard try await registry.leasePipelineRun(id: run.id, owner: runner.owner, until: registry.clock.now() + runner.lease.microseconds) else {
                continue
            }
            start(run, pipeline)
        }
    }

    /// Ticks every `interval` until graceful shutdown, executing runs as they are taken.
    public func run() async throws {
        let (runner, logger) = (runner, logger)
        // In a server, the registry is migrated while the services start.
        guard await cancelWhenGracefulShutdown({ await runner.registry.prepared() }) else { return }
        await withTaskGroup(of: Void.self) { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await tick { run, pipeline in
                        group.addTask {
                            logger.info("running pipeline \(pipeline.name) (run \(run.id), \(Timestamp.format(run.logicalTime)))")
                            do {
                                let ending = try await runner.execute(run, of: pipeline)
                                logger.info("pipeline \(pipeline.name) run \(run.id): \(ending)")
                            } catch {
                                logger.error("pipeline \(pipeline.name) run \(run.id) could not be executed: \(error)")
                            }
                        }
                    }
                } catch {
                    logger.error("scheduler round failed: \(error)")
                }
                guard (try? await cancelWhenGracefulShutdown({ try await Task.sleep(for: self.interval) })) != nil else { break }
            }
            group.cancelAll()
        }
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully.
    public func runUntilSignalled() async throws {
        try await ServiceGroup(configuration: .init(services: [self], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }
}
