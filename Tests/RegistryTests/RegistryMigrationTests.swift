import KiteCore
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
}
