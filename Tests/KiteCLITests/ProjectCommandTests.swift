import Foundation
import KiteCore
import KiteTesting
import Learning
import Logging
import Parquet
import Registry
import Testing

/// `kite apply`, `kite features`, `kite dataset` on a project folder, as a user runs them.
@Suite struct ProjectCommandTests {
    static let t0: Int64 = 1_700_000_000_000_000
    static let hour: Int64 = 3_600_000_000

    static func project() async throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for folder in ["features", "data"] {
            try FileManager.default.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: true)
        }
        try "project: cli\n".write(toFile: directory.file("kite.yaml"), atomically: true, encoding: .utf8)
        try """
        entities: [{name: customer, join_keys: [customer_id]}]
        sources: [{name: spend, path: spend.parquet, timestamp_field: ts}]
        feature_views:
          - {name: stats, entities: [customer], source: spend, ttl: 1d, schema: [{name: total, type: float64}]}
        feature_services: [{name: model, features: ["stats:*"]}]
        """.write(toFile: directory.file("features/defs.yaml"), atomically: true, encoding: .utf8)
        let spend = try DataFrame([
            ("customer_id", .int64s([1, 2])), ("ts", .timestamps([t0, t0])), ("total", .float64s([12.5, 3])),
        ])
        try await ParquetWriter.write(spend, to: directory.file("data/spend.parquet"))
        try "customer_id,event_timestamp,label\n1,2023-11-14T23:00:00Z,1\n2,2023-11-14T21:00:00Z,0\n3,2023-11-14T23:00:00Z,0\n"
            .write(toFile: directory.file("labels.csv"), atomically: true, encoding: .utf8)
        return directory
    }

    func kite(_ directory: TemporaryDirectory, _ arguments: String...) throws -> ProcessResult {
        try Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", directory.path])
    }

    @Test func applyListDescribeAndDataset() async throws {
        let directory = try await Self.project()
        let before = try kite(directory, "features", "list")
        #expect(before.status != 0 && before.standardError.contains("kite apply"))
        let apply = try kite(directory, "apply")
        #expect(apply.status == 0)
        #expect(apply.standardOutput.contains("applied definitions version 1: 1 entities, 1 sources, 1 feature views"))
        #expect(try kite(directory, "apply").standardOutput.contains("definitions unchanged (version 1)"))
        let list = try kite(directory, "features", "list")
        #expect(list.standardOutput.contains("feature view    stats  1 features, ttl 1d, source spend"))
        #expect(try kite(directory, "features", "describe", "stats").standardOutput.contains("feature total: float64"))
        #expect(try kite(directory, "features", "describe", "nothing").status != 0)

        let out = directory.file("train.parquet")
        let dataset = try kite(directory, "dataset", "--entities", directory.file("labels.csv"), "--service", "model", "--out", out)
        #expect(dataset.status == 0, "\(dataset.standardError)")
        let reader = try await ParquetReader(path: out)
        let frame = try await reader.read()
        #expect(frame.schema.names == ["customer_id", "event_timestamp", "label", "total"])
        // 2023-11-14T22:13:20Z is t0: customer 1 an hour later sees 12.5; customer 2 before t0 sees nothing.
        #expect((0..<3).map { frame.columns[3].scalar(at: $0) } == [.double(12.5), .null, .null])
        let metadata = Dictionary(reader.metadata.keyValueMetadata.map { ($0.key, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        #expect(metadata["kite.definitions_version"] == "1")
        #expect(metadata["kite.feature_service"] == "model")
        #expect(metadata["kite.sources"] == "spend.parquet=2")

        // A changed definition is named until it is applied; applying it makes a new version.
        try String(contentsOfFile: directory.file("features/defs.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "ttl: 1d", with: "ttl: 2d")
            .write(toFile: directory.file("features/defs.yaml"), atomically: true, encoding: .utf8)
        let stale = try kite(directory, "dataset", "--entities", directory.file("labels.csv"), "--service", "model", "--out", out)
        #expect(stale.status == 0 && stale.standardError.contains("warning: features/defs.yaml changed since the last 'kite apply'"), "\(stale.standardError)")
        try "data: {feature_service: model, labels: \(directory.file("labels.csv")), label: label}\n"
            .write(toFile: directory.file("train.yaml"), atomically: true, encoding: .utf8)
        let staleTraining = try kite(directory, "train", directory.file("train.yaml"))
        #expect(staleTraining.standardError.contains("warning: features/defs.yaml changed since the last 'kite apply'"), "\(staleTraining.standardError)")
        #expect(try kite(directory, "apply").standardOutput.contains("applied definitions version 2"))
        let fresh = try kite(directory, "features", "list")
        #expect(fresh.status == 0 && !fresh.standardError.contains("warning"), "\(fresh.standardError)")
        let unknown = try kite(directory, "dataset", "--entities", directory.file("labels.csv"), "--service", "nope", "--out", out)
        #expect(unknown.status != 0 && unknown.standardError.contains("run 'kite apply'"), "\(unknown.standardError)")
    }

    /// Entity columns pass through a training set in their own Parquet type: pandas' naive nanosecond times
    /// come back naive and in nanoseconds, equal to the frame the user wrote.
    @Test func passedThroughColumnsKeepTheirParquetType() async throws {
        let directory = try await Self.project()
        let entities = directory.file("entities.parquet")
        _ = try Subprocess.python("parquet_peer.py", ["pandas-entities", entities])
        #expect(try kite(directory, "apply").status == 0)
        let out = directory.file("set.parquet")
        let dataset = try kite(directory, "dataset", "--entities", entities, "--service", "model", "--out", out)
        #expect(dataset.status == 0, "\(dataset.standardError)")
        let compared = try Subprocess.python("parquet_peer.py", ["pandas-compare", entities, out])
        #expect(compared.trimmingCharacters(in: .whitespacesAndNewlines) == "datetime64[ns] equal", "\(compared)")
    }

    @Test func applyCatchesMistakesInSourcesAndYAML() async throws {
        let directory = try await Self.project()
        try "feature_views:\n  - {name: extra, entities: [customer], source: spend, schema: [{name: missing_col, type: float64}]}\n"
            .write(toFile: directory.file("features/more.yaml"), atomically: true, encoding: .utf8)
        let missingColumn = try kite(directory, "apply")
        #expect(missingColumn.status != 0)
        #expect(missingColumn.standardError.contains("more.yaml:2") && missingColumn.standardError.contains("'missing_col' does not exist"))
        try "feature_views: [unclosed".write(toFile: directory.file("features/more.yaml"), atomically: true, encoding: .utf8)
        let badYAML = try kite(directory, "apply")
        #expect(badYAML.status != 0 && badYAML.standardError.contains("not valid YAML"))
        try FileManager.default.removeItem(atPath: directory.file("features/more.yaml"))
        #expect(try kite(directory, "apply").status == 0)
        let noKeys = directory.file("bad.csv")
        try "event_timestamp\n2023-11-14T23:00:00Z\n".write(toFile: noKeys, atomically: true, encoding: .utf8)
        let dataset = try kite(directory, "dataset", "--entities", noKeys, "--service", "model", "--out", directory.file("x.parquet"))
        #expect(dataset.status != 0 && dataset.standardError.contains("customer_id"))
        let both = try kite(directory, "dataset", "--entities", noKeys, "--out", directory.file("x.parquet"))
        #expect(both.status != 0)
        // Entity rows without the time column: the error points at the flag that names it.
        let noTime = directory.file("notime.csv")
        try "customer_id,when\n1,2023-11-14T23:00:00Z\n".write(toFile: noTime, atomically: true, encoding: .utf8)
        let untimed = try kite(directory, "dataset", "--entities", noTime, "--service", "model", "--out", directory.file("x.parquet"))
        #expect(untimed.status != 0 && untimed.standardError.contains("--timestamp-column"), "\(untimed.standardError)")
        // A ragged CSV names the file and the line.
        let ragged = directory.file("ragged.csv")
        try "customer_id,event_timestamp\n1,2023-11-14T23:00:00Z\n2\n".write(toFile: ragged, atomically: true, encoding: .utf8)
        let broken = try kite(directory, "dataset", "--entities", ragged, "--service", "model", "--out", directory.file("x.parquet"))
        #expect(broken.status != 0 && broken.standardError.contains("\(ragged): CSV line 3"), "\(broken.standardError)")
    }

    /// Feast's key names for a source's time columns are accepted.
    @Test func feastSourceKeysAreSynonyms() async throws {
        let directory = try await Self.project()
        try """
        entities: [{name: customer, join_keys: [customer_id]}]
        sources: [{name: spend, path: spend.parquet, event_timestamp_column: ts, created_timestamp_column: ts}]
        feature_views:
          - {name: stats, entities: [customer], source: spend, ttl: 1d, schema: [{name: total, type: float64}]}
        """.write(toFile: directory.file("features/defs.yaml"), atomically: true, encoding: .utf8)
        let applied = try kite(directory, "apply")
        #expect(applied.status == 0, "\(applied.standardError)")
        try """
        entities: [{name: customer, join_keys: [customer_id]}]
        sources: [{name: spend, path: spend.parquet, timestamp_field: ts, event_timestamp_column: ts}]
        """.write(toFile: directory.file("features/defs.yaml"), atomically: true, encoding: .utf8)
        let both = try kite(directory, "apply")
        #expect(both.status != 0 && both.standardError.contains("defs.yaml:2") && both.standardError.contains("not both"), "\(both.standardError)")
    }
}

/// `kite init` and `kite demo`, the README's main command.
@Suite struct DemoCommandTests {
    @Test func demoRunsEveryStage() async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("demo")
        let result = try await Subprocess.run(TestEnvironment.kiteBinary, ["demo", "--rows", "5000", "--keep", folder])
        #expect(result.status == 0, "\(result.standardError)")
        for stage in [
            "[generate] 5000 transactions", "[apply] applied definitions version 1", "[dataset] 5000 rows × 7 features",
            "[train] gbdt: holdout AUC", "[train] logistic: holdout AUC", "[register] fraud@champion → version", "[materialize] customer_stats:",
            "[serve] POST /get-online-features", "[predict] POST /v1/models/fraud/predict", "customer 2, amount 250.0: p(fraud) 0.",
            "[explain] POST /v1/models/fraud/predict {\"explain\": true}", "customer 2, amount 250.0: log-odds ",
            "[batch] kite batch-predict fraud@champion", "5000 of 5000 transactions scored as of their own times",
            "[pipeline] kite pipelines run nightly", "materialize succeeded → score (2 shards) succeeded",
            "[ab] experiment champion-vs-challenger", "fraud_caught per customer: champion", "chance to win",
        ] {
            #expect(result.standardOutput.contains(stage), "\(result.standardOutput)")
        }
        // The champion knows its run and lineage; its model file is in the run's artifacts and scores files.
        let run = try await RegistryStore.withStore(url: "sqlite:\(folder)/.kite/registry.db", logger: Logger(label: "test")) { store in
            let champion = try await store.modelVersion(name: "fraud", alias: "champion")
            #expect(champion.featureService == "fraud_model" && champion.trainingSet?.contains("\"rows\":5000") == true)
            #expect(try await store.modelVersions(name: "fraud").count == 2)
            return try await store.run(id: champion.runID ?? "")
        }
        let model = try ModelFile.load(path: folder + "/.kite/artifacts/1/\(run.id)/artifacts/model/model.json")
        #expect(run.metrics["auc"]?.value == model.metrics["auc"] && (model.metrics["auc"] ?? 0) > 0.6)
        #expect(run.inputs.map(\.name) == ["fraud_model"] && model.signature.featureService == "fraud_model")
        let scored = directory.file("scored.parquet")
        let predicted = try await Subprocess.run(
            TestEnvironment.kiteBinary,
            [
                "predict", "fraud@champion", "--project", folder, "--input", folder + "/data/training_set.parquet", "--out", scored,
            ])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let frame = try await ParquetReader(path: scored).read()
        #expect(try frame.column("probability").doubles() == (try model.predict(try await ParquetReader(path: folder + "/data/training_set.parquet").read())))
        let logged = try FileManager.default.subpathsOfDirectory(atPath: folder + "/data/predictions").filter { $0.hasSuffix(".parquet") }
        // The predict stage's three answers, the explain stage's one and the A/B stage's 2,000 are in the prediction log.
        var loggedRows = 0
        for file in logged { loggedRows += try await ParquetReader(path: folder + "/data/predictions/" + file).read().rowCount }
        #expect(!logged.isEmpty && logged.allSatisfy { $0.hasPrefix("model=fraud/date=") } && loggedRows == 2_004, "\(logged) \(loggedRows)")
    }

    @Test func initWritesTheExampleAndRefusesAFullFolder() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("project")
        let first = try Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "1000", folder])
        #expect(first.status == 0 && first.standardOutput.contains("1000 transactions"))
        #expect(FileManager.default.fileExists(atPath: folder + "/features/fraud.yaml"))
        let second = try Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", folder])
        #expect(second.status != 0 && second.standardError.contains("not empty"))
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["apply", "--project", folder]).status == 0)
    }
}
