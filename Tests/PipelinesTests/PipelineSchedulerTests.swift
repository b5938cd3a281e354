import Foundation
import KiteCore
import KiteTesting
import Logging
import Pipelines
import Registry
import Synchronization
import Testing

/// Schedulers sharing one registry (SQLite and PostgreSQL): a firing is queued and run once, a dead scheduler's
/// run resumes elsewhere after its lease expires, retries and timeouts are recorded per attempt.
@Suite struct PipelineSchedulerTests {
    /// A project (for the steps' kite commands) with `pipelines/p.yaml`.
    static func project(_ directory: TemporaryDirectory, pipeline: String) async throws -> String {
        let folder = directory.file("project")
        let initialized = try await Subprocess.run(TestEnvironment.kiteBinary, ["init", folder])
        #expect(initialized.status == 0, "\(initialized.standardError)")
        try FileManager.default.createDirectory(atPath: folder + "/pipelines", withIntermediateDirectories: true)
        try pipeline.write(toFile: folder + "/pipelines/p.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    static func runner(_ registry: RegistryStore, project: String, owner: String, lease: Int64 = 60_000_000) throws -> PipelineRunner {
        let logs = project + "/.kite/logs-\(owner)"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        var runner = PipelineRunner(
            registry: registry, commands: CommandRunner(executable: TestEnvironment.kiteBinary, project: project), logStore: nil, logFolder: logs,
            owner: owner)
        runner.lease = TimeSpan(microseconds: lease)
        return runner
    }

    @Test(arguments: ["sqlite", "postgres"]) func twoSchedulersRunAFiringOnce(backend: String) async throws {
        let directory = try TemporaryDirectory()
        let url = backend == "sqlite" ? "sqlite:\(directory.file("registry.db"))" : try TestServices.postgresDatabase()
        let project = try await Self.project(
            directory,
            pipeline: """
                name: p
                schedule: "*/5 * * * *"
                steps:
                  - name: list
                    command: [pipelines, list]
                """)
        // The schedulers read the registry's clock, held two minutes past a firing: however slowly the test runs (a
        // loaded machine took over a minute), no new firing comes due between its ticks.
        let now = try Timestamp.parse("2026-03-02T00:02:00Z")
        try await RegistryStore.withStore(url: url, logger: Logger(label: "test"), clock: .fixed(now)) { registry in
            let schedulers = try ["a", "b"].map {
                PipelineScheduler(folder: project + "/pipelines", runner: try Self.runner(registry, project: project, owner: $0))
            }
            // Both tick at once: one run is queued for the latest firing, and one scheduler takes it.
            let started = try await withThrowingTaskGroup(of: [(StoredPipelineRun, PipelineDefinition, String)].self) { group in
                for scheduler in schedulers {
                    group.addTask {
                        var taken: [(StoredPipelineRun, PipelineDefinition, String)] = []
                        try await scheduler.tick { taken.append(($0, $1, scheduler.runner.owner)) }
                        return taken
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(started.count == 1)
            let runs = try await registry.pipelineRuns(pipeline: "p")
            #expect(runs.count == 1 && runs[0].trigger == "scheduled" && runs[0].status == "running")
            guard let (run, pipeline, owner) = started.first, let scheduler = schedulers.first(where: { $0.runner.owner == owner }) else { return }
            #expect(try await scheduler.runner.execute(run, of: pipeline) == .succeeded)
            // The next ticks find nothing new to queue or run.
            for scheduler in schedulers { try await scheduler.tick { _, _ in Issue.record("a finished firing ran again") } }
            let attempts = try await registry.pipelineAttempts(runID: run.id)
            #expect(attempts.map(\.status) == ["succeeded"] && attempts[0].exitCode == 0)
            #expect(try String(contentsOfFile: attempts[0].log ?? "", encoding: .utf8).contains("$ kite pipelines list"))
        }
    }

    @Test(arguments: ["sqlite", "postgres"]) func aDeadSchedulersRunResumesAfterItsLease(backend: String) async throws {
        let directory = try TemporaryDirectory()
        let url = backend == "sqlite" ? "sqlite:\(directory.file("registry.db"))" : try TestServices.postgresDatabase()
        let project = try await Self.project(
            directory,
            pipeline: """
                name: p
                steps:
                  - name: first
                    command: [pipelines, list]
                  - name: second
                    depends_on: [first]
                    command: [pipelines, list]
                    retries: 1
                    retry_delay: 1s
                """)
        // The registry's clock runs ahead on demand, so the lease expires without waiting for it.
        let ahead = Atomic<Int64>(0)
        let clock = WallClock { WallClock.system.now() + ahead.load(ordering: .relaxed) }
        try await RegistryStore.withStore(url: url, logger: Logger(label: "test"), clock: clock) { registry in
            let pipeline = try PipelineFile.load(path: project + "/pipelines/p.yaml")
            // Scheduler A takes a run, finishes the first step, starts the second — and dies.
            let dead = try Self.runner(registry, project: project, owner: "a", lease: 60_000_000)
            let queued = try await registry.queuePipelineRun(pipeline: "p", logicalTime: registry.clock.now(), trigger: "manual")
            let run = try #require(queued)
            #expect(try await registry.leasePipelineRun(id: run.id, owner: "a", until: registry.clock.now() + dead.lease.microseconds))
            try await registry.startPipelineAttempt(runID: run.id, step: "first", task: 0, attempt: 1, log: nil)
            try await registry.finishPipelineAttempt(runID: run.id, step: "first", task: 0, attempt: 1, status: "succeeded", exitCode: 0, message: nil)
            try await registry.startPipelineAttempt(runID: run.id, step: "second", task: 0, attempt: 1, log: nil)

            let scheduler = PipelineScheduler(folder: project + "/pipelines", runner: try Self.runner(registry, project: project, owner: "b"))
            try await scheduler.tick { _, _ in Issue.record("a run under a live lease was taken") }
            #expect(!(try await registry.leasePipelineRun(id: run.id, owner: "b", until: registry.clock.now() + 60_000_000)))
            ahead.store(61_000_000, ordering: .relaxed)  // a minute later: A's lease has expired
            var taken: [StoredPipelineRun] = []
            try await scheduler.tick { run, _ in taken.append(run) }
            #expect(taken.map(\.id) == [run.id])
            #expect(try await scheduler.runner.execute(run, of: pipeline) == .succeeded)
            let attempts = try await registry.pipelineAttempts(runID: run.id).map { "\($0.step)#\($0.attempt) \($0.status)" }
            // The first step is kept; the second's interrupted attempt counts, and its retry succeeds.
            #expect(Set(attempts) == ["first#1 succeeded", "second#1 interrupted", "second#2 succeeded"], "\(attempts)")
            #expect(try await registry.pipelineRun(id: run.id).status == "succeeded")
        }
    }

    @Test func retriesAndTimeoutsAreRecorded() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(
            directory,
            pipeline: """
                name: p
                steps:
                  - name: missing
                    command: [models, show, nope]
                    retries: 2
                    retry_delay: 100ms
                  - name: slow
                    command: [scheduler, --interval, "60"]
                    timeout: 1s
                  - name: after
                    depends_on: [missing]
                    command: [pipelines, list]
                """)
        try await RegistryStore.withStore(url: "sqlite:\(directory.file("registry.db"))", logger: Logger(label: "test")) { registry in
            let pipeline = try PipelineFile.load(path: project + "/pipelines/p.yaml")
            let runner = try Self.runner(registry, project: project, owner: "a")
            let run = try #require(try await registry.queuePipelineRun(pipeline: "p", logicalTime: 0, trigger: "manual"))
            #expect(try await registry.leasePipelineRun(id: run.id, owner: "a", until: registry.clock.now() + 60_000_000))
            guard case .failed(let message) = try await runner.execute(run, of: pipeline) else {
                Issue.record("the run did not fail")
                return
            }
            #expect(message.contains("step 'missing' failed: exit code 1 on attempt 3 of 3") || message.contains("step 'slow' failed: timed out"), "\(message)")
            let attempts = try await registry.pipelineAttempts(runID: run.id)
            #expect(attempts.filter { $0.step == "missing" }.map(\.status) == ["failed", "failed", "failed"])
            #expect(attempts.filter { $0.step == "slow" }.map(\.message) == ["timed out after 1s"])
            #expect(!attempts.contains { $0.step == "after" })  // a failed dependency stops what depends on it
            let stored = try await registry.pipelineRun(id: run.id)
            #expect(stored.status == "failed" && stored.leaseOwner == nil && stored.endTime != nil)
        }
    }
}
