import Foundation
import KiteCore
import Logging
import ObjectStorage
import Registry

/// Executes one pipeline run whose lease its owner holds: steps after their dependencies (independent ones, and
/// a batch step's shards, at once), each task retried with exponential backoff and stopped at its timeout, every
/// attempt recorded in the registry with its exit code and its log (uploaded to the artifact store). The lease is
/// renewed while the run executes; losing it (another scheduler took the run) or being cancelled (SIGTERM) stops
/// the running commands, marks their attempts interrupted and leaves the run to the next scheduler, which keeps
/// the tasks that succeeded and retries the rest while attempts remain.
public struct PipelineRunner: Sendable {
    public let registry: RegistryStore
    public let commands: CommandRunner
    /// Where logs are kept (`pipelines/NAME/RUN/STEP-TASK-ATTEMPT.log`); nil keeps them in the local log folder only.
    public let logStore: (any ObjectStore)?
    /// Where logs are written while a command runs.
    public let logFolder: String
    public let owner: String
    public var lease = TimeSpan(microseconds: 60_000_000)
    public var logger = Logger(label: "kite.pipelines")

    public init(registry: RegistryStore, commands: CommandRunner, logStore: (any ObjectStore)?, logFolder: String, owner: String) {
        self.registry = registry
        self.commands = commands
        self.logStore = logStore
        self.logFolder = logFolder
        self.owner = owner
    }

    /// How a run's execution by this runner ended.
    public enum Ending: Sendable, Equatable {
        case succeeded
        case failed(String)
        /// Stopped before the end (cancelled, or the lease was lost); the run stays for another scheduler.
        case interrupted
    }

    private struct TaskKey: Hashable {
        var step: String
        var task: Int
    }

    /// Executes `run` of `pipeline` (its lease must be this runner's) and records the result.
    public func execute(_ run: StoredPipelineRun, of pipeline: PipelineDefinition) async throws -> Ending {
        // Attempts a dead scheduler left running were interrupted; they count against the step's retries.
        var used: [TaskKey: Int] = [:]
        var succeeded = Set<TaskKey>()
        for attempt in try await registry.pipelineAttempts(runID: run.id) {
            let key = TaskKey(step: attempt.step, task: attempt.task)
            used[key] = max(used[key] ?? 0, attempt.attempt)
            if attempt.status == "succeeded" { succeeded.insert(key) }
            if attempt.status == "running" {
                try await registry.finishPipelineAttempt(
                    runID: run.id, step: attempt.step, task: attempt.task, attempt: attempt.attempt, status: "interrupted", exitCode: nil,
                    message: "its scheduler stopped")
            }
        }
        let ending: Ending = try await withThrowingTaskGroup(of: Ending?.self) { group in
            // Renew the lease while the steps run; a lost lease ends the run here.
            group.addTask {
                while (try? await Task.sleep(for: .microseconds(max(lease.microseconds / 3, 1_000)))) != nil {
                    guard try await registry.leasePipelineRun(id: run.id, owner: owner, until: registry.clock.now() + lease.microseconds) else {
                        logger.warning("lost the lease of pipeline run \(run.id); stopping its steps")
                        return .interrupted
                    }
                }
                return nil
            }
            group.addTask { [used, succeeded] in try await steps(of: run, pipeline: pipeline, used: used, succeeded: succeeded) }
            defer { group.cancelAll() }
            do {
                let first: Ending?? = try await group.next()
                return (first ?? nil) ?? .interrupted
            } catch  where Task.isCancelled {
                return .interrupted
            }
        }
        try await Self.uncancelled {
            switch ending {
            case .succeeded: try await registry.finishPipelineRun(id: run.id, status: "succeeded", message: nil)
            case .failed(let message): try await registry.finishPipelineRun(id: run.id, status: "failed", message: message)
            case .interrupted: try? await registry.releasePipelineRun(id: run.id, owner: owner)
            }
        }
        return ending
    }

    /// Runs the steps in dependency order, as many at once as are ready; the first failed step fails the run once
    /// the steps already running have ended.
    private func steps(of run: StoredPipelineRun, pipeline: PipelineDefinition, used: [TaskKey: Int], succeeded: Set<TaskKey>) async throws -> Ending {
        var done = Set<String>()
        var started = Set<String>()
        var failure: String?
        try await withThrowingTaskGroup(of: (String, String?).self) { group in
            func launchReady() {
                guard failure == nil else { return }
                for step in pipeline.steps where !started.contains(step.name) && step.dependsOn.allSatisfy(done.contains) {
                    started.insert(step.name)
                    group.addTask { (step.name, try await self.step(step, of: run, pipeline: pipeline, used: used, succeeded: succeeded)) }
                }
            }
            launchReady()
            while let (name, error) = try await group.next() {
                if let error {
                    failure = failure ?? "step '\(name)' failed: \(error)"
                } else {
                    done.insert(name)
                }
                launchReady()
            }
        }
        if Task.isCancelled { return .interrupted }
        return failure.map(Ending.failed) ?? .succeeded
    }

    /// Runs every task of `step` at once; returns nil when all succeed, else why the first failed.
    private func step(
        _ step: PipelineDefinition.Step, of run: StoredPipelineRun, pipeline: PipelineDefinition, used: [TaskKey: Int], succeeded: Set<TaskKey>
    ) async throws -> String? {
        let commands = step.commands(logicalTime: run.logicalTime)
        return try await withThrowingTaskGroup(of: String?.self) { group in
            for (task, arguments) in commands.enumerated() where !succeeded.contains(TaskKey(step: step.name, task: task)) {
                group.addTask {
                    try await attempts(
                        of: step, task: task, tasks: commands.count, arguments: arguments, run: run, pipeline: pipeline,
                        from: (used[TaskKey(step: step.name, task: task)] ?? 0) + 1)
                }
            }
            var firstError: String?
            for try await error in group where firstError == nil { firstError = error }
            return firstError
        }
    }

    /// Attempts one task until it succeeds or its attempts run out; returns nil on success, else why it failed.
    private func attempts(
        of step: PipelineDefinition.Step, task: Int, tasks: Int, arguments: [String], run: StoredPipelineRun, pipeline: PipelineDefinition, from first: Int
    ) async throws -> String? {
        let name = tasks > 1 ? "\(step.name) [shard \(task + 1)/\(tasks)]" : step.name
        var reason = "no attempts left (\(step.retries + 1) allowed)"
        for attempt in first..<max(first, step.retries + 2) {
            if attempt > 1 { try await Task.sleep(for: .microseconds(step.delay(beforeAttempt: attempt))) }
            let file = "\(step.name)-\(task + 1)-\(attempt).log"
            let local = logFolder + "/" + run.id + "-" + file
            let stored = "pipelines/\(pipeline.name)/\(run.id)/\(file)"
            try await registry.startPipelineAttempt(
                runID: run.id, step: step.name, task: task, attempt: attempt, log: logStore == nil ? local : stored)
            let outcome = try await commands.run(arguments, timeout: step.timeout, logFile: local)
            let (status, exitCode, message): (String, Int?, String?) =
                switch outcome {
                case .exited(0): ("succeeded", 0, nil)
                case .exited(let code): ("failed", Int(code), "exit code \(code)")
                case .timedOut: ("failed", nil, "timed out after \(step.timeout?.description ?? "?")")
                case .cancelled: ("interrupted", nil, "stopped")
                }
            // Recorded even when the run is being stopped (then the task is cancelled).
            try await Self.uncancelled {
                if let logStore { try? await logStore.put(stored, file: local) }
                try await registry.finishPipelineAttempt(
                    runID: run.id, step: step.name, task: task, attempt: attempt, status: status, exitCode: exitCode, message: message)
            }
            if outcome.succeeded { return nil }
            if outcome == .cancelled { throw CancellationError() }
            reason = "\(message ?? status) on attempt \(attempt) of \(step.retries + 1) (log: \(logStore == nil ? local : stored))"
            logger.warning("pipeline \(pipeline.name) run \(run.id): \(name) \(reason)")
        }
        return reason
    }

    /// Runs `body` to its end even when the calling task is cancelled: the bookkeeping of a run being stopped.
    private static func uncancelled(_ body: @escaping @Sendable () async throws -> Void) async throws {
        try await Task { try await body() }.value
    }
}
