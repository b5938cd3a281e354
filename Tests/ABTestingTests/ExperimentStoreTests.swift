import ABTesting
import KiteCore
import KiteTesting
import Logging
import Registry
import Testing

/// Experiments in the registry, on SQLite and PostgreSQL: one running per model, round trips, status changes.
@Suite struct ExperimentStoreTests {
    @Test(arguments: ["sqlite", "postgres"]) func oneRunningExperimentPerModel(backend: String) async throws {
        let directory = try TemporaryDirectory()
        let url = backend == "sqlite" ? "sqlite:\(directory.file("registry.db"))" : try TestServices.postgresDatabase()
        try await RegistryStore.withStore(url: url, logger: Logger(label: "test")) { registry in
            let store = ExperimentStore(registry: registry)
            let variants = [ExperimentDefinition.Variant(name: "control", model: "champion", weight: 0.5), .init(name: "treatment", model: "v2", weight: 0.5)]
            var first = try ExperimentDefinition(key: "first", model: "fraud", variants: variants, unit: "customer_id", metrics: ["is_fraud"])
            try await store.save(first)
            #expect(try await store.experiment(key: "first") == first)
            #expect(try await store.running(model: "fraud") == nil)
            first = try await store.setStatus(key: "first", .running)
            #expect(try await store.running(model: "fraud")?.key == "first")

            let second = try ExperimentDefinition(key: "second", model: "fraud", variants: variants, unit: "customer_id", status: .running)
            do {
                try await store.save(second)
                Issue.record("a second running experiment on one model was accepted")
            } catch let error as KiteError {
                #expect(error.code == .alreadyExists && error.message.contains("'first'"), "\(error.message)")
            }
            #expect(try await store.experiments().map(\.key) == ["first"])  // nothing half-applied
            // Another model may run its own; once the first stops, the second may run.
            try await store.save(try ExperimentDefinition(key: "other", model: "churn", variants: variants, unit: "customer_id", status: .running))
            try await store.setStatus(key: "first", .stopped)
            try await store.save(second)
            #expect(try await store.running(model: "fraud")?.key == "second")
            #expect(try await store.experiments(model: "fraud").map(\.status) == [.stopped, .running])
            await #expect(throws: KiteError.self) { try await store.experiment(key: "nope") }
        }
        _ = directory
    }
}
