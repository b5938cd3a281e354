import Foundation
import KiteCore
import KiteTesting
import Registry
import Testing

@Suite struct TrackingStoreTests {
    func store() throws -> (TrackingStore, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        return (try TrackingStore(path: directory.file("registry.db"), artifactRoot: "file:artifacts"), directory)
    }

    @Test func defaultExperimentAndCreation() throws {
        let (store, _directory) = try store()
        _ = _directory
        #expect(try store.experiment(id: "0").name == "Default")
        let id = try store.createExperiment(name: "fraud", tags: ["team": "risk"])
        #expect(id == "1")
        let experiment = try store.experiment(named: "fraud")
        #expect(experiment.id == "1" && experiment.tags == ["team": "risk"] && experiment.artifactLocation == "file:artifacts/1")
        #expect { try store.createExperiment(name: "fraud") } throws: { ($0 as? KiteError)?.cause == "RESOURCE_ALREADY_EXISTS" }
        #expect { try store.experiment(id: "42") } throws: { ($0 as? KiteError)?.code == .notFound }
        #expect(throws: KiteError.self) { try store.createExperiment(name: "") }
    }

    @Test func runsParamsMetricsAndTags() throws {
        let (store, _directory) = try store()
        _ = _directory
        let run = try store.createRun(experimentID: "0", name: "first", startTime: 1000, tags: ["mlflow.user": "kite"])
        #expect(run.status == "RUNNING" && run.name == "first" && run.artifactURI.hasSuffix("/\(run.id)/artifacts"))
        try store.log(runID: run.id, metrics: [
            Metric(key: "loss", value: 0.9, timestamp: 1, step: 0), Metric(key: "loss", value: 0.5, timestamp: 2, step: 1),
            Metric(key: "loss", value: 0.7, timestamp: 3, step: 0),
        ], params: ["lr": "0.1"], tags: ["stage": "a"])
        try store.log(runID: run.id, params: ["lr": "0.1"], tags: ["stage": "b"])
        #expect(throws: KiteError.self) { try store.log(runID: run.id, params: ["lr": "0.2"]) }
        let loaded = try store.run(id: run.id)
        #expect(loaded.params == ["lr": "0.1"])
        #expect(loaded.tags == ["mlflow.user": "kite", "stage": "b"])
        #expect(loaded.metrics["loss"]?.value == 0.5)  // the greatest step wins
        #expect(try store.metricHistory(runID: run.id, key: "loss").map(\.value) == [0.9, 0.7, 0.5])
        try store.finishRun(id: run.id, endTime: 5000)
        #expect(try store.run(id: run.id).status == "FINISHED")
        #expect(throws: KiteError.self) { try store.finishRun(id: run.id, status: "DONE") }
        #expect(throws: KiteError.self) { try store.finishRun(id: "missing") }
        #expect(throws: KiteError.self) { try store.log(runID: "missing", metrics: [Metric(key: "x", value: 1, timestamp: 1)]) }
    }

    /// Eight writers logging to one run at once: every value arrives.
    @Test func concurrentWritersLoseNothing() async throws {
        let (store, _directory) = try store()
        _ = _directory
        let run = try store.createRun(experimentID: "0")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for step in 0..<250 {
                        try store.log(runID: run.id, metrics: [Metric(key: "w\(writer)", value: Double(step), timestamp: Int64(step), step: Int64(step))])
                    }
                }
            }
            try await group.waitForAll()
        }
        for writer in 0..<8 {
            #expect(try store.metricHistory(runID: run.id, key: "w\(writer)").map(\.value) == (0..<250).map(Double.init))
        }
    }
}

@Suite struct RunSearchTests {
    /// Five runs with metrics, params and tags to search.
    func populated() throws -> (TrackingStore, [String], TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let store = try TrackingStore(path: directory.file("registry.db"), artifactRoot: "file:artifacts")
        var ids: [String] = []
        for i in 0..<5 {
            let run = try store.createRun(experimentID: "0", name: "run\(i)", startTime: Int64(1000 + i), tags: ["team": i % 2 == 0 ? "Risk" : "growth"])
            var metrics = [Metric(key: "rmse", value: Double(5 - i) / 10, timestamp: 1, step: 0)]
            if i == 4 { metrics = [] }
            try store.log(runID: run.id, metrics: metrics, params: i == 3 ? [:] : ["model": i < 2 ? "gbdt" : "linear"])
            ids.append(run.id)
        }
        try store.finishRun(id: ids[0], status: "FAILED")
        return (store, ids, directory)
    }

    func names(_ page: TrackingStore.RunPage) -> [String] { page.runs.map(\.name) }

    @Test func filtersByEveryKind() throws {
        let (store, _, _directory) = try populated()
        _ = _directory
        #expect(names(try store.searchRuns(experimentIDs: ["0"])) == ["run4", "run3", "run2", "run1", "run0"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "metrics.rmse < 0.35")) == ["run3", "run2"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "metrics.rmse >= 0.4 and params.model = 'gbdt'")) == ["run1", "run0"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "params.model != 'gbdt'")) == ["run4", "run2"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "params.model IS NULL")) == ["run3"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "tags.team LIKE 'R%'")) == ["run4", "run2", "run0"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "tags.team LIKE 'r%'")).isEmpty)
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "tags.team ILIKE 'r%'")) == ["run4", "run2", "run0"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "attributes.status = 'FAILED'")) == ["run0"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], filter: "attributes.run_name IN ('run1', 'run3')")) == ["run3", "run1"])
        #expect(throws: KiteError.self) { try store.searchRuns(experimentIDs: ["0"], filter: "attributes.colour = 'x'") }
        #expect(throws: KiteError.self) { try store.searchRuns(experimentIDs: ["zero"]) }
    }

    @Test func ordersAndPages() throws {
        let (store, _, _directory) = try populated()
        _ = _directory
        // Ascending rmse; the run without the metric sorts last.
        #expect(names(try store.searchRuns(experimentIDs: ["0"], orderBy: ["metrics.rmse ASC"])) == ["run3", "run2", "run1", "run0", "run4"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], orderBy: ["metrics.rmse DESC"])) == ["run0", "run1", "run2", "run3", "run4"])
        #expect(names(try store.searchRuns(experimentIDs: ["0"], orderBy: ["attributes.start_time"])) == ["run0", "run1", "run2", "run3", "run4"])
        var seen: [String] = []
        var token: String?
        repeat {
            let page = try store.searchRuns(experimentIDs: ["0"], orderBy: ["attributes.start_time"], maxResults: 2, pageToken: token)
            #expect(page.runs.count <= 2)
            seen += names(page)
            token = page.nextPageToken
        } while token != nil
        #expect(seen == ["run0", "run1", "run2", "run3", "run4"])
        #expect(throws: KiteError.self) { try store.searchRuns(experimentIDs: ["0"], pageToken: "not-a-token") }
        #expect(throws: KiteError.self) { try store.searchRuns(experimentIDs: ["0"], maxResults: 0) }
    }
}
