import Foundation
import KiteCore
import KiteTesting
import Learning
import Logging
import Parquet
import Registry
import Testing
import Training

/// `kite train`: configs, data from tables, tracked runs, artifacts, gates and registration.
@Suite struct TrainCommandTests {
    /// A table of `rows` with three numeric features (one with gaps), a string category and three labels: `y` (0/1),
    /// `price` (a number) and `tier` (bronze, silver or gold).
    static func table(rows: Int, seed: UInt64) throws -> DataFrame {
        var generator = SeededGenerator(seed: seed)
        func normal() -> Double {
            let u = Double.random(in: Double.ulpOfOne..<1, using: &generator)
            let v = Double.random(in: 0..<1, using: &generator)
            return (-2 * Foundation.log(u)).squareRoot() * cos(2 * .pi * v)
        }
        var a: [Double?] = []
        var b: [Double?] = []
        var c: [Double?] = []
        var category: [String?] = []
        var y: [Bool?] = []
        var price: [Double?] = []
        var tier: [String?] = []
        for row in 0..<rows {
            let (x1, x2, x3) = (normal(), normal(), normal())
            let kind = ["north", "south", "east"][row % 3]
            let score = 1.5 * x1 - x2 + (kind == "north" ? 1 : 0) + 0.7 * normal()
            a.append(x1)
            b.append(row % 17 == 0 ? nil : x2)
            c.append(x3)
            category.append(kind)
            y.append(row % 50 == 0 ? nil : score > 0.3)
            price.append(100 + 20 * x1 - 10 * x2 + 5 * x3 + (kind == "south" ? 15 : 0) + 3 * normal())
            tier.append(score < -0.5 ? "bronze" : score < 1 ? "silver" : "gold")
        }
        return try DataFrame([
            ("id", .int64s((0..<rows).map { Int64($0) })), ("a", .float64s(a)), ("b", .float64s(b)), ("c", .float64s(c)),
            ("region", .strings(category)), ("y", .bools(y)), ("price", .float64s(price)), ("tier", .strings(tier)),
        ])
    }

    /// A new empty project with `table` written to data/table.parquet and data/table.csv.
    static func project(_ directory: TemporaryDirectory, rows: Int = 3_000) async throws -> String {
        let project = directory.file("project")
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let frame = try table(rows: rows, seed: 11)
        try await ParquetWriter.write(frame, to: project + "/data/table.parquet")
        try CSVWriter.write(frame).write(toFile: project + "/data/table.csv", atomically: true, encoding: .utf8)
        return project
    }

    static func train(_ project: String, _ config: String, _ yaml: String, _ extra: [String] = []) throws -> (
        status: Int32, json: [String: Any], errors: String
    ) {
        let path = project + "/" + config
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Subprocess.run(TestEnvironment.kiteBinary, ["train", path, "--project", project, "--json"] + extra)
        let json = (try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))) as? [String: Any] ?? [:]
        return (result.status, json, result.standardError)
    }

    @Test func regressionOnATableIsTrackedValidatedAndRegistered() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(directory)
        let (status, json, errors) = try Self.train(
            project, "price.yaml",
            """
            experiment: prices
            model: {name: prices, alias: staging}
            data: {train: data/table.parquet, label: price}
            exclude: [id, y, tier]
            learner: gbdt
            params: {num_iterations: 60, learning_rate: 0.1, num_leaves: 15, seed: 3}
            split: {method: random, test_fraction: 0.25, seed: 5}
            cross_validation: 3
            gates: ["r2 >= 0.8", "rmse < 20"]
            """, ["-P", "num_leaves=7"])
        #expect(status == 0, "\(errors)")
        let metrics = json["metrics"] as? [String: Double] ?? [:]
        #expect(json["status"] as? String == "FINISHED" && (json["version"] as? Int) == 1 && json["alias"] as? String == "staging")
        #expect((metrics["r2"] ?? 0) > 0.8 && metrics["cv_r2_mean"] != nil && metrics["cv_rmse_std"] != nil && json["task"] as? String == "regression")
        #expect(json["features"] as? Int == 4 && json["train_rows"] as? Int == 2_250 && json["test_rows"] as? Int == 750)

        // The run holds params, the per-round curve, the metrics, its input and the artifacts.
        let runID = json["run_id"] as? String ?? ""
        let (run, curve, version) = try await RegistryStore.withStore(url: "sqlite:\(project)/.kite/registry.db", logger: Logger(label: "test")) { store in
            (
                try await store.run(id: runID), try await store.metricHistory(runID: runID, key: "test_l2"),
                try await store.modelVersion(name: "prices", alias: "staging")
            )
        }
        #expect(run.status == .finished && run.params["num_iterations"] == "60" && run.params["num_leaves"] == "7" && run.params["split"] == "random")
        #expect(curve.count == 60 && curve.map(\.step) == (1...60).map(Int64.init) && curve[59].value < curve[0].value)
        #expect(run.metrics["rmse"]?.value == metrics["rmse"] && run.tags["kite.gates"] == "passed" && run.inputs.first?.name == "table.parquet")
        #expect(version.runID == runID && version.trainingSet?.contains("\"source\":\"table\"") == true)
        let folder = project + "/.kite/artifacts/1/\(runID)/artifacts/"
        for file in ["model/model.json", "feature_importance.json", "training_set.json", "config/price.yaml"] {
            #expect(FileManager.default.fileExists(atPath: folder + file), "\(file)")
        }
        // The logged RMSE is the saved model's on the same held-out rows.
        let model = try ModelFile.load(path: folder + "model/model.json")
        let frame = try await ParquetReader(path: project + "/data/table.parquet").read()
        let test = try frame.take(try DataSplit.random(rows: frame.rowCount, testFraction: 0.25, seed: 5).test)
        let rmse = try RegressionMetrics.rmse(targets: try test.column("price").doubles(), predictions: try model.predict(test))
        #expect(rmse == metrics["rmse"])
        #expect(model.signature.inputs.map(\.name) == ["a", "b", "c", "region"] && model.signature.task == .regression)
    }

    /// `data.weight`: the rows are weighted in training and in every recorded metric, and the column is no feature.
    @Test func sampleWeightsWeighTrainingAndMetrics() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(directory)
        let frame = try await ParquetReader(path: project + "/data/table.parquet").read()
        let weights: [Double] = (0..<frame.rowCount).map { row -> Double in
            let base = Double(1 + row % 3)
            return row % 7 == 0 ? base / 4 : base
        }
        let weighted = try DataFrame(Array(zip(frame.schema.names, frame.columns)) + [("w", DataColumn.float64s(weights))])
        try await ParquetWriter.write(weighted, to: project + "/data/weighted.parquet")
        for learner in ["gbdt", "logistic"] {
            let (status, json, errors) = try Self.train(
                project, "weighted.yaml",
                """
                data: {train: data/weighted.parquet, label: y, weight: w}
                exclude: [id, price, tier]
                learner: \(learner)
                split: {method: random, test_fraction: 0.3, seed: 2}
                """)
            #expect(status == 0, "\(errors)")
            let runID = json["run_id"] as? String ?? ""
            let run = try await RegistryStore.withStore(url: "sqlite:\(project)/.kite/registry.db", logger: Logger(label: "test")) {
                try await $0.run(id: runID)
            }
            #expect(run.params["weight"] == "w")
            let model = try ModelFile.load(path: project + "/.kite/artifacts/1/\(runID)/artifacts/model/model.json")
            #expect(!model.signature.inputs.map(\.name).contains("w"))
            if case .gbdt(let trees) = model.learner {
                #expect(trees.trees.contains { $0.categories != nil }, "the string column 'region' is split by category")
            }
            // The recorded metrics are the weighted ones of the saved model on the test rows (labelled rows only).
            let y = try weighted.column("y")
            let labelled = try weighted.filter((0..<weighted.rowCount).map { !y.isNull($0) })
            let test = try labelled.take(try DataSplit.random(rows: labelled.rowCount, testFraction: 0.3, seed: 2).test)
            let labels = try test.column("y").doubles()
            let scores = try model.probabilities(test).map { $0[1] }
            let auc = try BinaryMetrics.rocAUC(labels: labels, scores: scores, weights: try test.column("w").doubles())
            #expect(run.metrics["auc"]?.value == auc, "\(learner): recorded \(run.metrics["auc"]?.value ?? .nan), weighted \(auc)")
            #expect(try BinaryMetrics.rocAUC(labels: labels, scores: scores) != auc)
        }
        // A negative weight, or a weight column that is not there: clear errors naming the config.
        var bad = weights
        bad[5] = -1
        try await ParquetWriter.write(
            try DataFrame(Array(zip(frame.schema.names, frame.columns)) + [("w", DataColumn.float64s(bad))]), to: project + "/data/bad.parquet")
        let negative = try Self.train(project, "bad.yaml", "data: {train: data/bad.parquet, label: y, weight: w}\nexclude: [id, price, tier]\n")
        #expect(negative.status != 0 && negative.errors.contains("bad.yaml: data.weight 'w': weights must be finite numbers ≥ 0"), "\(negative.errors)")
        let missing = try Self.train(project, "missing.yaml", "data: {train: data/table.parquet, label: y, weight: nope}\n")
        #expect(missing.status != 0 && missing.errors.contains("data.weight names 'nope'"), "\(missing.errors)")
    }

    @Test func multiclassFromCSVScoresPerClassProbabilities() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(directory)
        let (status, json, errors) = try Self.train(
            project, "tier.yaml",
            """
            model: tiers
            data: {train: data/table.csv, label: tier}
            features: [a, b, c, region]
            preprocessing: {region: onehot}
            params: {num_iterations: 40, early_stopping_round: 5}
            """)
        #expect(status == 0, "\(errors)")
        let metrics = json["metrics"] as? [String: Double] ?? [:]
        #expect(json["task"] as? String == "multiclass" && (metrics["accuracy"] ?? 0) > 0.7 && metrics["macro_f1"] != nil)
        #expect((json["rounds"] as? Int ?? 0) >= 1)
        let input = directory.file("score.parquet")
        try await ParquetWriter.write(try Self.table(rows: 200, seed: 12).select(["id", "a", "b", "c", "region"]), to: input)
        let out = directory.file("scored.parquet")
        let predicted = try await Subprocess.run(TestEnvironment.kiteBinary, ["predict", "tiers@v1", "--project", project, "--input", input, "--out", out])
        #expect(predicted.status == 0, "\(predicted.standardError)")
        let scored = try await ParquetReader(path: out).read()
        #expect(
            scored.schema.fields.map(\.name) == ["id", "a", "b", "c", "region", "probability_bronze", "probability_gold", "probability_silver", "prediction"])
        let gold = try scored.column("probability_gold").doubles()
        let silver = try scored.column("probability_silver").doubles()
        let bronze = try scored.column("probability_bronze").doubles()
        let prediction = try scored.column("prediction")
        for row in 0..<200 {
            #expect(abs(gold[row] + silver[row] + bronze[row] - 1) < 1e-12)
            let best = [("bronze", bronze[row]), ("gold", gold[row]), ("silver", silver[row])].max { $0.1 < $1.1 }?.0
            #expect(prediction.string(at: row) == best)
        }
    }

    @Test func aFailedGateRecordsAFailedRunAndRegistersNothing() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(directory, rows: 1_500)
        let base = """
            model: churn
            data: {train: data/table.parquet, label: y}
            exclude: [id, price, tier]
            learner: logistic
            """
        let first = try Self.train(project, "first.yaml", base + "\ngates: ['auc >= 0.7', 'auc >= champion.auc - 0.01']\n")
        #expect(first.status == 0 && first.json["version"] as? Int == 1 && first.json["champion"] == nil, "\(first.errors)")
        #expect(first.json["dropped_rows"] as? Int == 30)  // every 50th row has no label
        try await RegistryStore.withStore(url: "sqlite:\(project)/.kite/registry.db", logger: Logger(label: "test")) { store in
            try await store.setAlias(name: "churn", alias: "champion", version: "1")

            let strict = try Self.train(project, "strict.yaml", base + "\ngates: ['auc >= champion.auc + 0.5']\n")
            #expect(strict.status == 2 && strict.json["status"] as? String == "FAILED" && strict.json["version"] == nil)
            let champion = strict.json["champion"] as? [String: Any] ?? [:]
            #expect(champion["version"] as? Int == 1 && champion["rescored"] as? Bool == true)
            let gates = strict.json["gates"] as? [[String: Any]] ?? []
            let championAUC = (first.json["metrics"] as? [String: Double])?["auc"] ?? .nan
            #expect(gates.first?["passed"] as? Bool == false && abs((gates.first?["threshold"] as? Double ?? 0) - (championAUC + 0.5)) < 1e-12)
            let failed = try await store.run(id: strict.json["run_id"] as? String ?? "")
            #expect(failed.status == .failed && failed.tags["kite.gates"]?.hasPrefix("failed: auc >= champion.auc + 0.5") == true)
            #expect(try await store.modelVersions(name: "churn").count == 1)

            // On other test rows the champion is scored again, on those rows: its recorded AUC is not what counts.
            let other = try Self.train(project, "other.yaml", base + "\nsplit: {method: random, seed: 99}\ngates: ['auc >= champion.auc - 1']\n")
            #expect(other.status == 0 && other.json["version"] as? Int == 2, "\(other.errors)")
            let threshold = (other.json["gates"] as? [[String: Any]])?.first?["threshold"] as? Double ?? .nan
            let model = try ModelFile.load(path: project + "/.kite/artifacts/1/\(first.json["run_id"] as? String ?? "")/artifacts/model/model.json")
            let frame = try await ParquetReader(path: project + "/data/table.parquet").read()
            let labelled = try frame.filter((0..<frame.rowCount).map { !frame.columns[5].isNull($0) })
            let test = try labelled.take(try DataSplit.random(rows: labelled.rowCount, testFraction: 0.2, seed: 99).test)
            let auc = try BinaryMetrics.rocAUC(labels: try test.column("y").doubles(), scores: try model.predict(test))
            #expect(abs(threshold - (auc - 1)) < 1e-12 && abs(auc - championAUC) > 1e-9, "threshold \(threshold), champion on these rows \(auc)")
        }
    }

    @Test func configErrorsNameTheFileAndLine() throws {
        let cases: [(String, String)] = [
            ("data: {train: t.parquet, label: y}\nlerner: gbdt\n", "x.yaml:2: unknown key 'lerner'"),
            ("data: {train: t.parquet, label: y}\nlearner: forest\n", "learner must be gbdt, logistic or ridge"),
            ("data: {train: t.parquet, label: y}\nparams: {num_leaves: 1.5}\n", "num_leaves must be a whole number"),
            ("data: {train: t.parquet, label: y}\nparams: {colsample: 0.5}\n", "'colsample' is not a gbdt parameter; gbdt takes alpha, bagging_fraction"),
            (
                "data: {train: t.parquet, label: y}\nlearner: logistic\nparams: {num_leaves: 3}\n",
                "'num_leaves' is not a logistic parameter; logistic takes C, l1_ratio, max_iter"
            ),
            ("data: {train: t.parquet, label: y}\nparams: {metric: accuracy}\n", "unknown metric 'accuracy'"),
            ("data: {train: t.parquet, label: y, test: u.parquet}\nsplit: {method: random}\n", "split and data.test both choose the test rows"),
            ("data: {train: t.parquet, label: y, test: u.txt}\n", "data.test must be a .parquet or .csv file"),
            ("data: {train: t.parquet, label: y}\ntask: multiclass\nlearner: logistic\n", "multiclass needs learner gbdt"),
            ("data: {train: t.parquet, label: y}\ngates: ['auc => 0.8']\n", "not a metric name"),
            ("data: {train: t.parquet, label: y}\ngates: ['auc >= champion.auc * 2']\n", "only '+ NUMBER' or '- NUMBER'"),
            ("data: {label: y}\n", "data needs feature_service (with labels) or train"),
            ("data: {train: t.parquet, label: y}\nlearner: ridge\ncategorical: [a]\n", "x.yaml:3: categorical is for learner gbdt"),
            ("data: {train: t.parquet, label: y, weight: y}\n", "data.weight and data.label name the same column"),
            ("data: {train: t.json, label: y}\n", "must be a .parquet or .csv file"),
            ("data: {train: t.parquet, label: y}\nsplit: {method: time}\n", "a time split needs data.time"),
            ("data: {train: t.parquet, label: y}\npreprocessing: {a: [square]}\n", "unknown step 'square'"),
            ("data: {train: t.parquet, label: y}\ntask: binary\nparams: {objective: huber}\n", "objective huber is for regression labels"),
            ("data: {train: t.parquet, label: y}\nparams: {objective: poisson}\n", "unknown objective 'poisson'"),
            ("data: {train: t.parquet, label: y}\nlearner: logistic\nparams: {l1_ratio: 2}\n", "l1_ratio must be between 0 and 1"),
            ("data: {train: t.parquet, label: y}\nparams: {l1_ratio: 0.5}\n", "'l1_ratio' is not a gbdt parameter"),
        ]
        for (yaml, message) in cases {
            #expect(throws: KiteError.self) { try TrainingConfiguration.parse(yaml, file: "x.yaml") }
            do { _ = try TrainingConfiguration.parse(yaml, file: "x.yaml") } catch let error as KiteError {
                #expect(error.message.contains(message) && error.message.hasPrefix("x.yaml:"), "\(error.message)")
                // A GBDT's unknown parameter lists GBDT names only.
                if message.contains("gbdt takes") { #expect(!error.message.contains("l1_ratio") && !error.message.contains("max_iter"), "\(error.message)") }
            } catch {}
        }
        let parsed = try TrainingConfiguration.parse(
            """
            data: {feature_service: s, labels: l.parquet, label: y}
            params: {n_estimators: 7, eta: 0.3, colsample_bytree: 0.5, is_unbalance: true, scale_pos_weight: 2}
            preprocessing:
              a: [{impute: 0, indicator: true}, {clip: [0, 10]}, log1p]
              b: ordinal
            """, file: "x.yaml")
        guard case .gbdt(let parameters) = parsed.learner else {
            Issue.record("not gbdt")
            return
        }
        #expect(parameters.numIterations == 7 && parameters.learningRate == 0.3 && parameters.featureFraction == 0.5)
        #expect(parameters.isUnbalance && parameters.scalePosWeight == 2)
        #expect(parsed.split.method == "time" && parsed.timeColumn == "event_timestamp")
        let huber = try TrainingConfiguration.parse("data: {train: t.csv, label: y}\nparams: {objective: mae, alpha: 2}\n", file: "x.yaml")
        guard case .gbdt(let robust) = huber.learner else {
            Issue.record("not gbdt")
            return
        }
        let overridden = try TrainingConfiguration.parse(
            "data: {train: t.csv, label: y}\nparams: {num_leaves: 15}\n", file: "x.yaml", overrides: ["num_leaves=63", "eta=0.05", "is_unbalance=true"])
        guard case .gbdt(let tuned) = overridden.learner else {
            Issue.record("not gbdt")
            return
        }
        #expect(tuned.numLeaves == 63 && tuned.learningRate == 0.05 && tuned.isUnbalance)
        // LightGBM's operational names are accepted.
        let lightGBM = try TrainingConfiguration.parse(
            "data: {train: t.csv, label: y}\nparams: {num_threads: 4, deterministic: true, verbose: -1, metric: auc, num_class: 1}\n", file: "x.yaml")
        guard case .gbdt(let operational) = lightGBM.learner else {
            Issue.record("not gbdt")
            return
        }
        #expect(operational.numThreads == 4 && operational.metric == "auc" && operational.numClass == 1)
        #expect(operational.named["metric"] == "auc" && operational.named["num_threads"] == "4")
        for (overrides, message) in [
            (["num_leavs=3"], "--param num_leavs: not a gbdt parameter"), (["num_leaves"], "NAME=VALUE"),
            (["num_leaves=1.5"], "num_leaves must be a whole number"),
        ] {
            do {
                _ = try TrainingConfiguration.parse("data: {train: t.csv, label: y}\n", file: "x.yaml", overrides: overrides)
                Issue.record("\(overrides) was accepted")
            } catch let error as KiteError {
                #expect(error.message.contains(message), "\(error.message)")
            }
        }
        let lasso = try TrainingConfiguration.parse("data: {train: t.csv, label: y}\nlearner: logistic\nparams: {C: 0.5, l1_ratio: 1}\n", file: "x.yaml")
        #expect(lasso.learner == .logistic(c: 0.5, l1Ratio: 1, maxIterations: 1000))
        #expect(robust.objective == .regressionL1 && robust.alpha == 2 && huber.task == .regression && huber.split.method == "random")
        #expect(
            parsed.preprocessing == [
                ColumnSpec(column: "a", steps: [.impute(.constant(0), indicator: true), .clip(lower: 0, upper: 10), .log1p]),
                ColumnSpec(column: "b", encoding: .ordinal),
            ])
    }

    /// `data.test`: a test file of its own is the test set; the training file is not split.
    @Test func aSeparateTestFileIsTheTestSet() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(directory, rows: 2_000)
        let frame = try Self.table(rows: 1_000, seed: 99)
        try await ParquetWriter.write(frame, to: project + "/data/test.parquet")
        let (status, json, errors) = try Self.train(
            project, "t.yaml",
            """
            data: {train: data/table.parquet, test: data/test.parquet, label: y}
            exclude: [id, price, tier]
            params: {num_iterations: 20, num_threads: 2, deterministic: true, verbose: -1, metric: binary_logloss}
            """)
        #expect(status == 0, "\(errors)")
        // Every labelled row of each file: 2,000 and 1,000 less each 50th row, which has no label.
        #expect(json["train_rows"] as? Int == 1_960 && json["test_rows"] as? Int == 980, "\(json)")
        let model = try ModelFile.load(path: project + "/.kite/artifacts/1/\(json["run_id"] as? String ?? "")/artifacts/model/model.json")
        let labelled = try frame.filter((0..<frame.rowCount).map { !frame.columns[5].isNull($0) })
        let auc = try BinaryMetrics.rocAUC(labels: try labelled.column("y").doubles(), scores: try model.predict(labelled))
        #expect(abs(auc - ((json["metrics"] as? [String: Double])?["auc"] ?? 0)) < 1e-12)
    }

    @Test func badDataIsAClearError() async throws {
        let directory = try TemporaryDirectory()
        let project = try await Self.project(directory, rows: 300)
        try "x,y\n1,1e30\n2,3\n3,1e30\n4,3\n".write(toFile: project + "/data/huge.csv", atomically: true, encoding: .utf8)
        for (yaml, message) in [
            ("data: {train: data/huge.csv, label: y}\ntask: multiclass\n", "multiclass labels must be whole numbers or strings"),
            ("data: {train: data/table.parquet, label: price}\ntask: multiclass\n", "multiclass labels must be whole numbers or strings"),
            ("data: {train: data/table.parquet, label: nope}\n", "no label column 'nope'"),
            ("data: {train: data/missing.parquet, label: y}\n", "bad.yaml: data.train names 'data/missing.parquet'"),
            ("data: {train: data/table.parquet, label: y, test: data/nope.csv}\n", "bad.yaml: data.test names 'data/nope.csv'"),
            (
                "data: {train: data/table.parquet, label: tier}\nexclude: [id, y, price]\nparams: {num_class: 4}\n",
                "params.num_class is 4, but the label has 3 classes"
            ),
            ("data: {train: data/table.parquet, label: y}\nfeatures: [a, zz]\n", "features names 'zz'"),
            ("data: {train: data/table.parquet, label: tier}\ntask: binary\n", "a binary label must be 0/1"),
            ("data: {train: data/table.parquet, label: y}\nlearner: ridge\ntask: regression\nexclude: [id, tier, price]\n", ""),
        ] {
            let result = try Self.train(project, "bad.yaml", yaml)
            if message.isEmpty {
                #expect(result.status == 0, "\(result.errors)")  // a 0/1 label may be fitted as a regression on purpose
            } else {
                #expect(result.status == 1 && result.errors.contains(message), "\(result.errors)")
            }
        }
    }
}
