import ArgumentParser
import Dispatch
import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Parquet
import Registry

/// `kite demo`: the whole lifecycle on the example project, embedded defaults, no servers.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole lifecycle on the generated fraud example and say what each stage did.",
        discussion: """
            Stages so far: generate the example, apply its definitions, build a point-in-time training set, train a \
            gradient-boosted tree model and a logistic regression on the earlier 80% of it (tested on the later \
            20%), track both as runs and register them as model 'fraud', the better one as fraud@champion. \
            'kite predict fraud@champion' scores files with it; 'kite server --project DIR' serves the registry to \
            the mlflow client.
            """
    )

    @Option(help: "How many transactions to generate.")
    var rows: Int = 1_000_000

    @Option(help: "Keep the project in this folder instead of a temporary one.")
    var keep: String?

    func validate() throws {
        guard rows >= 100 else { throw ValidationError("--rows must be at least 100") }
    }

    func run() async throws {
        let folder = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("kite-demo-\(UUID().uuidString.prefix(8))").path
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: folder) } }
        var clock = DispatchTime.now().uptimeNanoseconds
        func stage(_ name: String, _ detail: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            Terminal.standardOutput("[\(name)] \(detail) (\(String(format: "%.2f", Double(now - clock) / 1e9)) s)\n")
            clock = now
        }
        Terminal.standardOutput("kite demo: the fraud example in \(folder)\n")

        let summary = try await FraudExample(rows: rows).write(to: folder)
        stage("generate", "\(summary.transactions) transactions, \(summary.customers) customers, \(summary.merchants) merchants, "
            + "\(String(format: "%.1f", summary.fraudRate * 100))% fraud")

        var options = ProjectOptions()
        options.project = folder
        stage("apply", try await ApplyCommand.apply(options))

        let configuration = try options.configuration()
        let (definitions, version) = try options.appliedDefinitions(configuration)
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try options.offlineStore(configuration))
        let labels = try await ParquetReader(path: folder + "/data/labels.parquet").read()
        let (training, lineage) = try await builder.build(entities: labels, features: try builder.references(service: "fraud_model"))
        var writer = ParquetWriter.Configuration()
        writer.keyValueMetadata = [("kite.definitions_version", String(version.number)), ("kite.feature_service", "fraud_model")]
        try await ParquetWriter.write(training, to: folder + "/data/training_set.parquet", configuration: writer)
        let featureColumns = training.columns.dropFirst(labels.schema.count)
        let filled = featureColumns.map { 1 - Double($0.nullCount) / Double(Swift.max(1, $0.count)) }
        stage("dataset", "\(training.rowCount) rows × \(featureColumns.count) features from \(lineage.sources.count) sources, "
            + "point-in-time correct; features present in \(Int((filled.min() ?? 0) * 100))–\(Int((filled.max() ?? 0) * 100))% of rows "
            + "→ data/training_set.parquet")

        let store = try await options.registryStore(configuration)
        let artifacts = try options.artifactStore(configuration)
        let experiment = try await store.createExperiment(name: "fraud-detection")
        _ = try await store.createRegisteredModel(name: "fraud", description: "Card fraud: probability that a transaction is fraud.")
        let features = ["amount"] + training.schema.fields.dropFirst(labels.schema.count).map(\.name)
        let split = try timeSplit(training)
        // What every run records of the training set: its metadata (the lineage tag) and the file as its input.
        let trainingSetTag = "{\"path\": \"data/training_set.parquet\", \"rows\": \(training.rowCount), "
            + "\"definitions_version\": \(version.number), \"features\": [\(lineage.features.map { "\"\($0)\"" }.joined(separator: ", "))]}"
        let trainingSetInput = DatasetInput(
            name: "training_set", digest: try digest(ofFile: folder + "/data/training_set.parquet"), sourceType: "local",
            source: "{\"uri\": \"data/training_set.parquet\"}", tags: ["mlflow.data.context": "training"])
        var best: (version: Int64, auc: Double)?
        for learner in ["gbdt", "logistic"] {
            let (run, auc, logLoss) = try await trainAndTrack(
                learner, features: features, split: split, store: store, artifacts: artifacts, experiment: experiment,
                trainingSet: (trainingSetTag, trainingSetInput), definitionsVersion: version.number)
            let registered = try await store.createModelVersion(name: "fraud", source: run.artifactURI + "/model", runID: run.id)
            stage("train", "\(learner): holdout AUC \(String(format: "%.4f", auc)), log loss \(String(format: "%.4f", logLoss)) "
                + "(trained on \(split.train.rowCount) earlier rows, tested on \(split.holdout.rowCount) later ones); run \(run.id.prefix(8)) → fraud v\(registered.version)")
            if best == nil || auc > best?.auc ?? 0 { best = (registered.version, auc) }
        }
        if let best { try await store.setAlias(name: "fraud", alias: "champion", version: String(best.version)) }
        await store.close()
        stage("register", "fraud@champion → version \(best?.version ?? 0) (the higher holdout AUC); lineage: run, feature service fraud_model, "
            + "training set; score a file with: kite predict fraud@champion --project DIR --input FILE --out FILE")
        if keep != nil { Terminal.standardOutput("the project is kept in \(folder)\n") }
    }

    /// The training set split by time: the earliest 80% of rows to train on, the latest 20% to test on.
    private func timeSplit(_ training: DataFrame) throws -> (train: DataFrame, holdout: DataFrame) {
        let split = try DataSplit.byTime(try training.column("event_timestamp").doubles(), testFraction: 0.2)
        return (try training.take(split.train), try training.take(split.test))
    }

    /// Fits `learner` (gbdt or logistic) on the split's training rows, measures it on the holdout, and records a
    /// finished run with params, metrics, the training set (lineage tag and input), and the model file as
    /// `model/model.json`.
    private func trainAndTrack(
        _ learner: String, features: [String], split: (train: DataFrame, holdout: DataFrame), store: RegistryStore,
        artifacts: ArtifactStore, experiment: String, trainingSet: (tag: String, input: DatasetInput), definitionsVersion: Int
    ) async throws -> (Run, auc: Double, logLoss: Double) {
        let labels = try split.train.column("is_fraud").doubles()
        let specs = learner == "gbdt" ? [] : features.map { ColumnSpec(column: $0, steps: [.impute(.median, indicator: true), .standardize]) }
        let preprocessor = try Preprocessor.fit(specs, features: features, on: split.train)
        let x = try preprocessor.transform(split.train)
        var parameters = GBDTParameters(objective: .binary)
        parameters.seed = 7
        let settings = parameters
        let fitted: ModelFile.Learner = learner == "gbdt"
            ? .gbdt(try await Parallel.map(1) { _ in try GBDTTrainer(parameters: settings).fit(features: x, labels: labels) }[0])
            : .linear(try LinearTrainer.logistic(features: x, labels: labels, c: 1))
        let signature = ModelFile.Signature(
            inputs: features.map { name in .init(name: name, type: split.train[name].map { "\($0.type)" } ?? "float64") },
            featureService: "fraud_model", label: "is_fraud", task: "binary")
        var model = ModelFile(signature: signature, preprocessor: preprocessor, learner: fitted, training: [
            "rows": String(split.train.rowCount), "learner": learner, "definitions_version": String(definitionsVersion),
        ])
        let holdoutLabels = try split.holdout.column("is_fraud").doubles()
        let predictions = try model.predict(split.holdout)
        let auc = try BinaryMetrics.rocAUC(labels: holdoutLabels, scores: predictions)
        let logLoss = try BinaryMetrics.logLoss(labels: holdoutLabels, probabilities: predictions)
        model.metrics = ["auc": auc, "log_loss": logLoss]

        let run = try await store.createRun(
            experimentID: experiment, name: learner,
            tags: ["kite.feature_service": "fraud_model", "kite.training_set": trainingSet.tag, "mlflow.source.name": "kite demo"])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var params = ["learner": learner, "feature_service": "fraud_model", "train_rows": String(split.train.rowCount), "split": "time 80/20"]
        if learner == "gbdt" {
            params["num_iterations"] = String(parameters.numIterations)
            params["num_leaves"] = String(parameters.numLeaves)
            params["learning_rate"] = String(parameters.learningRate)
        } else {
            params["C"] = "1.0"
        }
        try await store.log(runID: run.id, metrics: [
            Metric(key: "holdout_auc", value: auc, timestamp: now), Metric(key: "holdout_log_loss", value: logLoss, timestamp: now),
        ], params: params)
        try await store.logInputs(runID: run.id, datasets: [trainingSet.input])
        if let folder = ArtifactStore.path(ofURI: run.artifactURI) {
            try await artifacts.objects.put(folder + "/model/model.json", bytes: Array(try model.encoded()))
        }
        try await store.finishRun(id: run.id)
        return (try await store.run(id: run.id), auc, logLoss)
    }

    /// A dataset digest as MLflow shows it: 8 hex digits of a hash of the file's bytes.
    private func digest(ofFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw KiteError(.io, "cannot read \(path)") }
        let hash = data.withUnsafeBytes { FastHash.bytes($0, 0, $0.count, seed: 0) }
        return String(String(hash, radix: 16).suffix(8))
    }
}
