import Foundation
import KiteCore
import KiteTesting
import Logging
import Registry
import Testing

/// `kite experiments`, `kite runs list|show` and `kite models list|show|versions|alias` over a project's store.
@Suite struct RegistryCommandTests {
    @Test func listsShowsAndMovesAliases() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let runIDs = try await RegistryStore.withStore(url: "sqlite:\(project)/.kite/registry.db", logger: Logger(label: "test")) { store in
            let experiment = try await store.createExperiment(name: "fraud-detection")
            var runIDs: [String] = []
            for (index, auc) in [0.81, 0.93].enumerated() {
                let run = try await store.createRun(experimentID: experiment, name: "trial-\(index)", tags: ["kite.feature_service": "fraud_v1"])
                try await store.log(runID: run.id, metrics: [Metric(key: "auc", value: auc, timestamp: 1)], params: ["model": "gbdt"])
                try await store.finishRun(id: run.id)
                runIDs.append(run.id)
            }
            _ = try await store.createRegisteredModel(name: "fraud")
            for runID in runIDs { _ = try await store.createModelVersion(name: "fraud", source: "mlflow-artifacts:/1/\(runID)/artifacts/model", runID: runID) }
            try await store.setAlias(name: "fraud", alias: "champion", version: "1")
            return runIDs
        }

        func kite(_ arguments: String...) throws -> ProcessResult {
            try Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        let experiments = try kite("experiments")
        #expect(experiments.status == 0 && experiments.standardOutput.contains("fraud-detection  2"), "\(experiments.standardOutput)")
        let runs = try kite("runs", "list", "--experiment", "fraud-detection", "--filter", "metrics.auc > 0.9")
        #expect(
            runs.status == 0 && runs.standardOutput.contains("trial-1") && !runs.standardOutput.contains("trial-0"),
            "\(runs.standardOutput)\(runs.standardError)")
        let shown = try kite("runs", "show", runIDs[0])
        #expect(shown.standardOutput.contains("param model = gbdt") && shown.standardOutput.contains("metric auc = 0.81"), "\(shown.standardOutput)")
        let models = try kite("models", "list")
        #expect(models.standardOutput.contains("fraud  2       champion→v1"), "\(models.standardOutput)")
        let moved = try kite("models", "alias", "fraud", "2", "champion")
        #expect(moved.status == 0 && moved.standardOutput == "fraud@champion → version 2 (was version 1)\n", "\(moved.standardOutput)\(moved.standardError)")
        let described = try kite("models", "show", "fraud")
        #expect(described.standardOutput.contains("alias champion → version 2") && described.standardOutput.contains("feature service: fraud_v1"))
        let versions = try kite("models", "versions", "fraud")
        #expect(versions.standardOutput.split(separator: "\n").count == 4, "\(versions.standardOutput)")

        let reserved = try kite("models", "alias", "fraud", "1", "latest")
        #expect(reserved.status == 1 && reserved.standardError.contains("reserved"), "\(reserved.standardError)")
        let ghost = try kite("models", "versions", "ghost")
        #expect(ghost.status == 1 && ghost.standardError.contains("no registered model named 'ghost'"), "\(ghost.standardError)")
        let badFilter = try kite("runs", "list", "--filter", "metrics.auc >> 1")
        #expect(badFilter.status == 1 && badFilter.standardError.contains("invalid filter"), "\(badFilter.standardError)")

        try await RegistryStore.withStore(url: "sqlite:\(project)/.kite/registry.db", logger: Logger(label: "test")) {
            (reopened: RegistryStore) async throws -> Void in
            #expect(try await reopened.modelVersion(name: "fraud", alias: "champion").version == 2)
        }
    }
}
