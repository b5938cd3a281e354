import KiteCore
import KiteTesting
import Logging
import Testing

@testable import Registry

@Suite struct RegistryMigrationTests {
    /// The store's times come from its clock, in microseconds.
    @Test(arguments: Backend.allCases) func timesComeFromTheClock(backend: Backend) async throws {
        try await backend.withStore(clock: .fixed(1_700_000_000_123_456)) { store in
            let id = try await store.createExperiment(name: "clocked")
            #expect(try await store.experiment(id: id).creationTime == 1_700_000_000_123_456)
            let run = try await store.createRun(experimentID: id)
            #expect(run.startTime == 1_700_000_000_123_456)
        }
    }

    /// Version 5 turns the milliseconds of a registry made before it into microseconds, and nothing else.
    @Test(arguments: Backend.allCases) func millisecondsBecomeMicroseconds(backend: Backend) async throws {
        try await backend.withStore { store in
            let run = try await store.createRun(experimentID: "0", startTime: 1_000_000)
            try await store.log(runID: run.id, metrics: [Metric(key: "auc", value: 0.5, timestamp: 2_000, step: 0)])
            try await store.database.write { session in
                try session.execute("DELETE FROM kite_migration WHERE version = 5", [])
                try session.execute("UPDATE run SET start_time = 1000", [])
                try session.execute("UPDATE metric SET timestamp = 2", [])
                try session.execute("UPDATE latest_metric SET timestamp = 2", [])
            }
            try await store.prepare()
            let migrated = try await store.run(id: run.id)
            #expect(migrated.startTime == 1_000_000)
            #expect(migrated.metrics["auc"]?.timestamp == 2_000)
            #expect(try await store.metricHistory(runID: run.id, key: "auc").map(\.timestamp) == [2_000])
        }
    }

    /// Version 8 moves the rows of runs made before it onto integer keys, keeping every value and the order in
    /// which a metric's values arrived; runs made afterwards are numbered after them.
    @Test(arguments: Backend.allCases) func runRowsMoveToIntegerKeys(backend: Backend) async throws {
        let directory = try TemporaryDirectory()
        let url = backend == .sqlite ? "sqlite:\(directory.file("registry.db"))" : try TestServices.postgresDatabase()
        let store = try RegistryStore(url: url, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            let before = SQLMigrator(migrations: RegistrySchema.migrator.migrations.filter { $0.version < 8 })
            try await before.migrate(store.database)
            let (first, second) = (String(repeating: "a", count: 32), String(repeating: "b", count: 32))
            try await store.database.write { session in
                try session.execute(
                    "INSERT INTO experiment (id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', 'x', 'active', 0, 0)",
                    [])
                for (id, start) in [(second, 2), (first, 1)] {
                    try session.execute(
                        "INSERT INTO run (id, experiment_id, name, user_id, status, start_time, lifecycle_stage, artifact_uri) VALUES (?, 0, ?, '', 'FINISHED', ?, 'active', '')",
                        [.text(id), .text("run-\(id.prefix(1))"), .integer(Int64(start))])
                    try session.execute("INSERT INTO param (run_id, key, value) VALUES (?, 'model', ?)", [.text(id), .text(id == first ? "gbdt" : "linear")])
                    try session.execute("INSERT INTO run_tag (run_id, key, value) VALUES (?, 'team', 'risk')", [.text(id)])
                }
                // Two values at one step and time: their arrival order decides the history's order.
                for value in [0.7, 0.6, 0.9] {
                    try session.execute(
                        "INSERT INTO metric (run_id, key, value, timestamp, step) VALUES (?, 'auc', ?, 5, ?)",
                        [.text(first), .real(value), .integer(value == 0.9 ? 1 : 0)])
                }
                try session.execute("INSERT INTO latest_metric (run_id, key, value, timestamp, step) VALUES (?, 'auc', 0.9, 5, 1)", [.text(first)])
                try session.execute(
                    "INSERT INTO run_input (run_id, name, digest, source_type, source, tags) VALUES (?, 'train', 'd1', 'local', 'data.parquet', '{}')",
                    [.text(first)])
                try session.execute("INSERT INTO run_output (run_id, model_id, step) VALUES (?, 'm-1', 3)", [.text(first)])
            }
            try await store.prepare()

            let migrated = try await store.run(id: first)
            #expect(migrated.params == ["model": "gbdt"] && migrated.tags == ["team": "risk"])
            #expect(migrated.metrics["auc"]?.value == 0.9 && migrated.metrics["auc"]?.step == 1)
            #expect(migrated.inputs.map(\.name) == ["train"] && migrated.outputs.map(\.modelID) == ["m-1"])
            #expect(try await store.metricHistory(runID: first, key: "auc").map(\.value) == [0.7, 0.6, 0.9])
            #expect(try await store.run(id: second).params == ["model": "linear"])
            let found = try await store.searchRuns(experimentIDs: ["0"], filter: "params.model = 'gbdt' AND metrics.auc > 0.8")
            #expect(found.items.map(\.id) == [first])

            let later = try await store.createRun(experimentID: "0", tags: ["team": "growth"])
            try await store.log(runID: later.id, metrics: [Metric(key: "auc", value: 0.95, timestamp: 6, step: 0)], params: ["model": "gbdt"])
            let seqs = try await store.database.read { session in
                try session.query("SELECT id, seq FROM run ORDER BY seq", []).map { $0.text("id") }
            }
            #expect(seqs == [first, second, later.id])
            let ranked = try await store.searchRuns(experimentIDs: ["0"], filter: "params.model = 'gbdt'", orderBy: ["metrics.auc DESC"])
            #expect(ranked.items.map(\.id) == [later.id, first])
            #expect(try await store.searchRuns(experimentIDs: ["0"], filter: "tags.team = 'risk'").items.count == 2)
        }
        _ = directory
    }
}
