import Foundation
import KiteCore
import KiteTesting
import Logging
import Registry
import Testing

/// The registry's two backends; every store test runs against both.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a new, empty store, closed afterwards.
    func withStore(clock: WallClock = .system, _ body: (RegistryStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let url = self == .sqlite ? "sqlite:\(directory.file("registry.db"))" : try TestServices.postgresDatabase()
        try await RegistryStore.withStore(url: url, artifactRoot: "mlflow-artifacts:", logger: Logger(label: "test"), clock: clock) { try await body($0) }
        _ = directory
    }
}

func expectCode(_ code: KiteError.Code, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
    do {
        try await body()
        Issue.record("expected a \(code) error", sourceLocation: sourceLocation)
    } catch let error as KiteError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a KiteError, got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct RegistryStoreTests {
    @Test(arguments: Backend.allCases) func experiments(backend: Backend) async throws {
        try await backend.withStore { store in
            #expect(try await store.experiment(id: "0").name == "Default")
            let id = try await store.createExperiment(name: "fraud", tags: ["team": "risk"])
            #expect(id == "1")
            let experiment = try await store.experiment(named: "fraud")
            #expect(experiment.id == "1" && experiment.tags == ["team": "risk"] && experiment.artifactLocation == "mlflow-artifacts:/1")
            await expectCode(.alreadyExists) { _ = try await store.createExperiment(name: "fraud") }
            await expectCode(.notFound) { _ = try await store.experiment(id: "42") }
            await expectCode(.notFound) { _ = try await store.experiment(id: "not-a-number") }
            await expectCode(.invalidArgument) { _ = try await store.createExperiment(name: "") }
            await expectCode(.invalidArgument) { _ = try await store.createExperiment(name: String(repeating: "x", count: 501)) }

            try await store.renameExperiment(id: "1", to: "fraud-v2")
            try await store.setExperimentTag(id: "1", key: "owner", value: "ana")
            #expect(try await store.experiment(id: "1").name == "fraud-v2")
            #expect(try await store.experiment(id: "1").tags == ["team": "risk", "owner": "ana"])
            try await store.deleteExperimentTag(id: "1", key: "team")
            _ = try await store.createExperiment(name: "churn")
            #expect(try await store.searchExperiments().items.map(\.name) == ["churn", "fraud-v2", "Default"])
            #expect(try await store.searchExperiments(filter: "name LIKE 'fr%'").items.map(\.name) == ["fraud-v2"])
            #expect(try await store.searchExperiments(filter: "tags.owner = 'ana'").items.map(\.id) == ["1"])
            #expect(try await store.searchExperiments(orderBy: ["name ASC"]).items.map(\.name) == ["Default", "churn", "fraud-v2"])

            let run = try await store.createRun(experimentID: "1")
            try await store.setExperimentDeleted(id: "1", true)
            #expect(try await store.experiment(id: "1").lifecycleStage == "deleted")
            #expect(try await store.run(id: run.id).lifecycleStage == "deleted")
            #expect(try await store.searchExperiments(viewType: .deletedOnly).items.map(\.id) == ["1"])
            await expectCode(.invalidArgument) { _ = try await store.createRun(experimentID: "1") }
            await expectCode(.alreadyExists) { _ = try await store.createExperiment(name: "fraud-v2") }
            await expectCode(.invalidArgument) { try await store.setExperimentDeleted(id: "0", true) }
            try await store.setExperimentDeleted(id: "1", false)
            #expect(try await store.run(id: run.id).lifecycleStage == "active")
        }
    }

    @Test(arguments: Backend.allCases) func runsParamsMetricsTagsInputs(backend: Backend) async throws {
        try await backend.withStore { store in
            let run = try await store.createRun(experimentID: "0", name: "first", userID: "ana", startTime: 1000, tags: ["mlflow.user": "ana"])
            #expect(run.status == .running && run.name == "first" && run.userID == "ana")
            #expect(run.artifactURI == "mlflow-artifacts:/0/\(run.id)/artifacts")
            #expect(run.tags == ["mlflow.user": "ana", "mlflow.runName": "first"])
            try await store.log(
                runID: run.id,
                metrics: [
                    Metric(key: "loss", value: 0.9, timestamp: 1, step: 0), Metric(key: "loss", value: 0.5, timestamp: 2, step: 1),
                    Metric(key: "loss", value: 0.7, timestamp: 3, step: 0),
                ], params: ["lr": "0.1"], tags: ["stage": "a"])
            try await store.log(runID: run.id, params: ["lr": "0.1"], tags: ["stage": "b"])
            try await store.log(runID: run.id, metrics: [Metric(key: "loss", value: 0.1, timestamp: 9, step: 0)])
            await expectCode(.invalidArgument) { try await store.log(runID: run.id, params: ["lr": "0.2"]) }
            var loaded = try await store.run(id: run.id)
            #expect(loaded.params == ["lr": "0.1"])
            #expect(loaded.tags["stage"] == "b")
            #expect(loaded.metrics["loss"]?.value == 0.5)  // the greatest step wins, whatever arrives later
            #expect(try await store.metricHistory(runID: run.id, key: "loss").map(\.value) == [0.9, 0.7, 0.1, 0.5])

            let child = try await store.createRun(experimentID: "0", tags: ["mlflow.parentRunId": run.id])
            #expect(child.parentRunID == run.id && child.name.hasPrefix("run-"))
            await expectCode(.notFound) { _ = try await store.createRun(experimentID: "0", tags: ["mlflow.parentRunId": "nope"]) }

            let dataset = DatasetInput(
                name: "train", digest: "abc123", sourceType: "local", source: "{\"uri\": \"data.parquet\"}", tags: ["mlflow.data.context": "training"])
            try await store.logInputs(runID: run.id, datasets: [dataset, dataset])
            try await store.logOutputs(runID: run.id, models: [ModelOutput(modelID: "m-1", step: 3)])
            loaded = try await store.run(id: run.id)
            #expect(loaded.inputs == [dataset] && loaded.outputs == [ModelOutput(modelID: "m-1", step: 3)])

            try await store.setRunTag(id: run.id, key: "mlflow.runName", value: "renamed")
            try await store.deleteRunTag(id: run.id, key: "stage")
            await expectCode(.notFound) { try await store.deleteRunTag(id: run.id, key: "stage") }
            let updated = try await store.updateRun(id: run.id, status: .finished, endTime: 5000)
            #expect(updated.status == .finished && updated.endTime == 5000 && updated.name == "renamed" && updated.tags["stage"] == nil)
            await expectCode(.invalidArgument) { _ = try RunStatus(parsing: "DONE") }
            await expectCode(.notFound) { try await store.finishRun(id: "missing") }
            await expectCode(.notFound) { try await store.log(runID: "missing", metrics: [Metric(key: "x", value: 1, timestamp: 1)]) }

            try await store.setRunDeleted(id: run.id, true)
            await expectCode(.invalidArgument) { try await store.log(runID: run.id, metrics: [Metric(key: "x", value: 1, timestamp: 1)]) }
            #expect(try await store.searchRuns(experimentIDs: ["0"]).items.map(\.id) == [child.id])
            #expect(try await store.searchRuns(experimentIDs: ["0"], viewType: .deletedOnly).items.map(\.id) == [run.id])
            try await store.setRunDeleted(id: run.id, false)
            #expect(try await store.searchRuns(experimentIDs: ["0"], viewType: .all).items.count == 2)
        }
    }

    /// Oversized values, bad keys and oversized batches are invalid arguments, and nothing of the batch is kept.
    @Test(arguments: Backend.allCases) func badInputIsRejectedWhole(backend: Backend) async throws {
        try await backend.withStore { store in
            let run = try await store.createRun(experimentID: "0")
            await expectCode(.invalidArgument) { try await store.log(runID: run.id, params: ["p": String(repeating: "x", count: 6001)]) }
            await expectCode(.invalidArgument) { try await store.setRunTag(id: run.id, key: "t", value: String(repeating: "x", count: 8001)) }
            await expectCode(.invalidArgument) { try await store.log(runID: run.id, params: ["../escape": "1"]) }
            await expectCode(.invalidArgument) { try await store.log(runID: run.id, params: ["bad\u{0}key": "1"]) }
            await expectCode(.invalidArgument) {
                try await store.log(runID: run.id, metrics: (0...1000).map { Metric(key: "m", value: Double($0), timestamp: 0) })
            }
            // A valid metric with a bad tag in the same batch: neither is kept.
            await expectCode(.invalidArgument) {
                try await store.log(runID: run.id, metrics: [Metric(key: "ok", value: 1, timestamp: 0)], tags: ["t": String(repeating: "y", count: 9000)])
            }
            #expect(try await store.run(id: run.id).metrics.isEmpty)
        }
    }

    /// Eight writers logging to one run at once: every value arrives.
    @Test(arguments: Backend.allCases) func concurrentWritersLoseNothing(backend: Backend) async throws {
        try await backend.withStore { store in
            let run = try await store.createRun(experimentID: "0")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        for step in 0..<100 {
                            try await store.log(
                                runID: run.id, metrics: [Metric(key: "w\(writer)", value: Double(step), timestamp: Int64(step), step: Int64(step))],
                                params: step == 0 ? ["p\(writer)": "\(writer)"] : [:])
                        }
                    }
                }
                try await group.waitForAll()
            }
            for writer in 0..<8 {
                #expect(try await store.metricHistory(runID: run.id, key: "w\(writer)").map(\.value) == (0..<100).map(Double.init))
            }
            let loaded = try await store.run(id: run.id)
            #expect(loaded.params.count == 8 && loaded.metrics.values.allSatisfy { $0.value == 99 })
        }
    }
}

@Suite struct RunSearchTests {
    /// Five runs with metrics, params and tags to search.
    func populated(_ store: RegistryStore) async throws {
        var ids: [String] = []
        for i in 0..<5 {
            let run = try await store.createRun(
                experimentID: "0", name: "run\(i)", startTime: Int64(1000 + i) * 1000, tags: ["team": i % 2 == 0 ? "Risk" : "growth"])
            var metrics = [Metric(key: "rmse", value: Double(5 - i) / 10, timestamp: 1, step: 0)]
            if i == 4 { metrics = [] }
            try await store.log(runID: run.id, metrics: metrics, params: i == 3 ? [:] : ["model": i < 2 ? "gbdt" : "linear", "team name": "x_y"])
            ids.append(run.id)
        }
        try await store.finishRun(id: ids[0], status: .failed)
    }

    func names(_ store: RegistryStore, _ filter: String = "", orderBy: [String] = []) async throws -> [String] {
        try await store.searchRuns(experimentIDs: ["0"], filter: filter, orderBy: orderBy).items.map(\.name)
    }

    @Test(arguments: Backend.allCases) func filtersByEveryKind(backend: Backend) async throws {
        try await backend.withStore { store in
            try await populated(store)
            #expect(try await names(store) == ["run4", "run3", "run2", "run1", "run0"])
            #expect(try await names(store, "metrics.rmse < 0.35") == ["run3", "run2"])
            #expect(try await names(store, "metrics.rmse <= 0.3") == ["run3", "run2"])
            #expect(try await names(store, "metrics.rmse > 0.3") == ["run1", "run0"])
            #expect(try await names(store, "metrics.rmse = 0.5") == ["run0"])
            #expect(try await names(store, "metrics.rmse != 0.5") == ["run3", "run2", "run1"])
            #expect(try await names(store, "metrics.rmse >= 0.4 and params.model = 'gbdt'") == ["run1", "run0"])
            #expect(try await names(store, "params.model != 'gbdt'") == ["run4", "run2"])
            #expect(try await names(store, "params.model IS NULL") == ["run3"])
            #expect(try await names(store, "params.model IS NOT NULL") == ["run4", "run2", "run1", "run0"])
            #expect(try await names(store, "params.`team name` = 'x_y'") == ["run4", "run2", "run1", "run0"])
            #expect(try await names(store, "params.\"team name\" LIKE 'x\\_%'").count == 4)
            #expect(try await names(store, "tags.team LIKE 'R%'") == ["run4", "run2", "run0"])
            #expect(try await names(store, "tags.team LIKE 'r%'").isEmpty)
            #expect(try await names(store, "tags.team ILIKE 'r%'") == ["run4", "run2", "run0"])
            #expect(try await names(store, "tags.team LIKE '_row%'") == ["run3", "run1"])
            #expect(try await names(store, "attributes.status = 'FAILED'") == ["run0"])
            #expect(try await names(store, "attributes.run_name IN ('run1', 'run3')") == ["run3", "run1"])
            #expect(try await names(store, "attributes.run_name NOT IN ('run1', 'run3')") == ["run4", "run2", "run0"])
            #expect(try await names(store, "attributes.start_time > 1002") == ["run4", "run3"])
            for bad in ["attributes.colour = 'x'", "attributes.start_time = 'x'", "attributes.status > 5", "metrics.rmse < 'x'", "params.model = 1"] {
                await expectCode(.invalidArgument) { _ = try await names(store, bad) }
            }
            await expectCode(.invalidArgument) { _ = try await store.searchRuns(experimentIDs: ["zero"]) }
        }
    }

    @Test(arguments: Backend.allCases) func ordersAndPages(backend: Backend) async throws {
        try await backend.withStore { store in
            try await populated(store)
            // Ascending rmse; the run without the metric sorts last.
            #expect(try await names(store, orderBy: ["metrics.rmse ASC"]) == ["run3", "run2", "run1", "run0", "run4"])
            #expect(try await names(store, orderBy: ["metrics.rmse DESC"]) == ["run0", "run1", "run2", "run3", "run4"])
            #expect(try await names(store, orderBy: ["attributes.start_time"]) == ["run0", "run1", "run2", "run3", "run4"])
            #expect(try await names(store, orderBy: ["params.model DESC", "attributes.start_time DESC"]) == ["run4", "run2", "run1", "run0", "run3"])
            var seen: [String] = []
            var token: String?
            repeat {
                let page = try await store.searchRuns(experimentIDs: ["0"], orderBy: ["attributes.start_time"], maxResults: 2, pageToken: token)
                #expect(page.items.count <= 2)
                seen += page.items.map(\.name)
                token = page.nextPageToken
            } while token != nil
            #expect(seen == ["run0", "run1", "run2", "run3", "run4"])
            await expectCode(.invalidArgument) { _ = try await store.searchRuns(experimentIDs: ["0"], pageToken: "not-a-token") }
            await expectCode(.invalidArgument) { _ = try await store.searchRuns(experimentIDs: ["0"], maxResults: 0) }
            await expectCode(.invalidArgument) { _ = try await store.searchRuns(experimentIDs: ["0"], orderBy: ["metrics.rmse sideways"]) }
        }
    }

    /// Ordering by one metric walks the metric's index, then the runs without it: page by page it gives exactly
    /// the order the definition does (value, then start time newest first, then id; runs without the metric last),
    /// with and without a filter, at any page size.
    @Test(arguments: Backend.allCases) func metricOrderingPagesLikeItsDefinition(backend: Backend) async throws {
        try await backend.withStore { store in
            struct Entry {
                var id: String
                var start: Int64
                var value: Double?
                var param: String
            }
            var random = SeededGenerator(seed: 9)
            var entries: [Entry] = []
            for i in 0..<120 {
                // Repeated start times and values make ties; a third of the runs lack the metric.
                let start = Int64(1_000 + random.below(40)) * 1000
                let run = try await store.createRun(experimentID: "0", name: "r\(i)", startTime: start)
                let value: Double? = random.below(3) == 0 ? nil : Double(random.below(15))
                let param = random.below(2) == 0 ? "a" : "b"
                try await store.log(
                    runID: run.id, metrics: value.map { [Metric(key: "m", value: $0, timestamp: 1)] } ?? [Metric(key: "other", value: 1, timestamp: 1)],
                    params: ["p": param])
                entries.append(Entry(id: run.id, start: start, value: value, param: param))
            }
            for (direction, filter, size) in [("DESC", "", 7), ("ASC", "", 13), ("DESC", "params.p = 'a'", 5), ("ASC", "params.p = 'b'", 200)] {
                let expected = entries.filter { filter.isEmpty || filter.contains("'\($0.param)'") }.sorted { a, b in
                    switch (a.value, b.value) {
                    case (let x?, let y?) where x != y: return direction == "DESC" ? x > y : x < y
                    case (.some, nil): return true
                    case (nil, .some): return false
                    default: return a.start != b.start ? a.start > b.start : a.id < b.id
                    }
                }.map(\.id)
                var seen: [String] = []
                var token: String?
                repeat {
                    let page = try await store.searchRuns(
                        experimentIDs: ["0"], filter: filter, orderBy: ["metrics.m \(direction)"], maxResults: size, pageToken: token)
                    #expect(page.items.count <= size)
                    seen += page.items.map(\.id)
                    token = page.nextPageToken
                } while token != nil
                #expect(seen == expected, "\(direction) \(filter) by \(size)")
            }
        }
    }
}

@Suite struct ModelRegistryTests {
    @Test(arguments: Backend.allCases) func versionsAliasesAndLineage(backend: Backend) async throws {
        try await backend.withStore { store in
            let run = try await store.createRun(experimentID: "0", tags: ["kite.training_set": "{\"rows\": 100}", "kite.feature_service": "fraud_v1"])
            _ = try await store.createRegisteredModel(name: "fraud", description: "card fraud", tags: ["team": "risk"])
            await expectCode(.alreadyExists) { _ = try await store.createRegisteredModel(name: "fraud") }
            await expectCode(.notFound) { _ = try await store.createModelVersion(name: "ghost", source: "models:/m-1") }
            let v1 = try await store.createModelVersion(name: "fraud", source: "mlflow-artifacts:/0/\(run.id)/artifacts/model", runID: run.id)
            #expect(v1.version == 1 && v1.status == "READY" && v1.currentStage == "None" && v1.runID == run.id)
            #expect(v1.trainingSet == "{\"rows\": 100}" && v1.featureService == "fraud_v1")
            let v2 = try await store.createModelVersion(name: "fraud", source: "models:/m-2", modelID: "m-2", tags: ["candidate": "yes"])
            #expect(v2.version == 2 && v2.tags == ["candidate": "yes"] && v2.modelID == "m-2")
            try await store.deleteModelVersion(name: "fraud", version: "2")
            #expect(try await store.createModelVersion(name: "fraud", source: "models:/m-3").version == 3)  // 2 is never reused

            try await store.setAlias(name: "fraud", alias: "champion", version: "1")
            #expect(try await store.modelVersion(name: "fraud", alias: "champion").version == 1)
            try await store.setAlias(name: "fraud", alias: "champion", version: "3")  // aliases move
            #expect(try await store.modelVersion(name: "fraud", alias: "champion").version == 3)
            #expect(try await store.modelVersion(name: "fraud", version: "3").aliases == ["champion"])
            #expect(try await store.registeredModel(name: "fraud").aliases == ["champion": 3])
            for reserved in ["latest", "v1", "V12", "bad alias", ""] {
                await expectCode(.invalidArgument) { try await store.setAlias(name: "fraud", alias: reserved, version: "1") }
            }
            await expectCode(.notFound) { try await store.setAlias(name: "fraud", alias: "x", version: "2") }
            await expectCode(.invalidArgument) { _ = try await store.modelVersion(name: "fraud", version: "two") }
            try await store.deleteAlias(name: "fraud", alias: "champion")
            await expectCode(.notFound) { _ = try await store.modelVersion(name: "fraud", alias: "champion") }

            let staged = try await store.transitionModelVersion(name: "fraud", version: "1", stage: "production")
            #expect(staged.currentStage == "Production")
            _ = try await store.transitionModelVersion(name: "fraud", version: "3", stage: "Production", archiveExisting: true)
            #expect(try await store.modelVersion(name: "fraud", version: "1").currentStage == "Archived")
            #expect(try await store.registeredModel(name: "fraud").latestVersions.map(\.version) == [3, 1])
            await expectCode(.invalidArgument) { _ = try await store.transitionModelVersion(name: "fraud", version: "1", stage: "Live") }

            _ = try await store.updateModelVersion(name: "fraud", version: "1", description: "first")
            try await store.setModelVersionTag(name: "fraud", version: "1", key: "validated", value: "true")
            #expect(try await store.searchModelVersions(filter: "name = 'fraud' AND tags.`validated` = 'true'").items.map(\.version) == [1])
            #expect(try await store.searchModelVersions(filter: "run_id = '\(run.id)'").items.map(\.version) == [1])
            #expect(try await store.searchModelVersions(filter: "name = 'fraud'").items.map(\.version) == [3, 1])

            _ = try await store.createRegisteredModel(name: "churn")
            try await store.setRegisteredModelTag(name: "churn", key: "team", value: "growth")
            #expect(try await store.searchRegisteredModels().items.map(\.name) == ["churn", "fraud"])
            #expect(try await store.searchRegisteredModels(filter: "name LIKE 'fr%'").items.map(\.name) == ["fraud"])
            #expect(try await store.searchRegisteredModels(filter: "tags.`team` = 'growth'").items.map(\.name) == ["churn"])
            let page = try await store.searchRegisteredModels(maxResults: 1)
            #expect(page.items.map(\.name) == ["churn"] && page.nextPageToken != nil)
            #expect(try await store.searchRegisteredModels(maxResults: 1, pageToken: page.nextPageToken).items.map(\.name) == ["fraud"])

            let renamed = try await store.renameRegisteredModel(name: "fraud", to: "fraud-detector")
            #expect(renamed.description == "card fraud" && renamed.tags == ["team": "risk"])
            #expect(try await store.modelVersion(name: "fraud-detector", version: "1").description == "first")
            await expectCode(.notFound) { _ = try await store.registeredModel(name: "fraud") }
            try await store.deleteRegisteredModel(name: "fraud-detector")
            await expectCode(.notFound) { _ = try await store.modelVersion(name: "fraud-detector", version: "1") }
        }
    }

    @Test(arguments: Backend.allCases) func loggedModels(backend: Backend) async throws {
        try await backend.withStore { store in
            let run = try await store.createRun(experimentID: "0")
            let model = try await store.createLoggedModel(
                experimentID: "0", name: "model", sourceRunID: run.id, modelType: "sklearn", tags: ["a": "1"], params: ["depth": "3"])
            #expect(model.status == "LOGGED_MODEL_PENDING" && model.artifactLocation == "mlflow-artifacts:/0/models/\(model.id)/artifacts")
            #expect(try await store.finalizeLoggedModel(id: model.id, status: "LOGGED_MODEL_READY").status == "LOGGED_MODEL_READY")
            try await store.setLoggedModelTag(id: model.id, key: "b", value: "2")
            #expect(try await store.loggedModel(id: model.id).tags == ["a": "1", "b": "2"])
            #expect(try await store.searchLoggedModels(experimentIDs: ["0"], filter: "name = 'model'").items.map(\.id) == [model.id])
            #expect(try await store.searchLoggedModels(experimentIDs: ["0"], filter: "name = 'other'").items.isEmpty)
            _ = try await store.createRegisteredModel(name: "m")
            let version = try await store.createModelVersion(name: "m", source: "models:/\(model.id)", modelID: model.id)
            #expect(version.runID == run.id && version.modelID == model.id)  // the logged model's run, as MLflow 3 records it
            await expectCode(.invalidArgument) { _ = try await store.finalizeLoggedModel(id: model.id, status: "DONE") }
            await expectCode(.notFound) { _ = try await store.createLoggedModel(experimentID: "0", sourceRunID: "missing") }
            try await store.deleteLoggedModel(id: model.id)
            await expectCode(.notFound) { _ = try await store.loggedModel(id: model.id) }
        }
    }
}

extension ModelRegistryTests {
    /// MLflow's client adds ``tags.`mlflow.prompt.is_prompt` != 'true'`` to model searches: models without the tag match.
    @Test(arguments: Backend.allCases) func notEqualTagFilterKeepsModelsWithoutTheTag(backend: Backend) async throws {
        try await backend.withStore { store in
            _ = try await store.createRegisteredModel(name: "fraud")
            _ = try await store.createRegisteredModel(name: "prompt", tags: ["mlflow.prompt.is_prompt": "true"])
            let filter = "name LIKE '%' AND tags.`mlflow.prompt.is_prompt` != 'true'"
            #expect(try await store.searchRegisteredModels(filter: filter).items.map(\.name) == ["fraud"])
        }
    }
}
