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
