import ArgumentParser
import Dispatch
import Features
import Foundation
import KiteCore
import ObjectStorage
import Parquet
import Registry

/// `kite demo`: the whole lifecycle on the example project, embedded defaults, no servers.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole lifecycle on the generated fraud example and say what each stage did.",
        discussion: """
            Stages so far: generate the example, apply its definitions, build a point-in-time training set, track a \
            baseline run in the registry, register it as model 'fraud' with the alias champion. 'kite server \
            --project DIR' then serves the registry to the mlflow client.
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
        let run = try await trackBaseline(
            store: store, artifacts: try options.artifactStore(configuration), training: training,
            trainingSetPath: folder + "/data/training_set.parquet",
            lineage: lineage, definitionsVersion: version.number)
        stage("track", "run '\(run.name)' in experiment fraud-detection: \(run.params.count) params, "
            + "log loss \(String(format: "%.4f", run.metrics["log_loss"]?.value ?? .nan)), training set logged as its input")
        _ = try await store.createRegisteredModel(name: "fraud", description: "Card fraud: probability that a transaction is fraud.")
        let registered = try await store.createModelVersion(name: "fraud", source: run.artifactURI + "/model", runID: run.id)
        try await store.setAlias(name: "fraud", alias: "champion", version: String(registered.version))
        await store.close()
        stage("register", "model fraud version \(registered.version) → alias champion; lineage: run \(run.id.prefix(8)), "
            + "feature service \(registered.featureService ?? "-"), training set \(training.rowCount) rows")
        if keep != nil { Terminal.standardOutput("the project is kept in \(folder)\n") }
    }

    /// Logs the class-prior baseline (the fraud rate as every transaction's probability — the model any trained
    /// model must beat) as a finished run, with the training set as its input and the model file as an artifact.
    private func trackBaseline(
        store: RegistryStore, artifacts: ArtifactStore, training: DataFrame, trainingSetPath: String, lineage: TrainingSetBuilder.Lineage,
        definitionsVersion: Int
    ) async throws -> Run {
        let outcomes = try training.column("is_fraud").doubles()
        let rate = outcomes.reduce(0, +) / Double(Swift.max(1, outcomes.count))
        let p = Swift.min(Swift.max(rate, 1e-15), 1 - 1e-15)
        let logLoss = -(rate * Foundation.log(p) + (1 - rate) * Foundation.log(1 - p))
        let experiment = try await store.createExperiment(name: "fraud-detection")
        let trainingSet = "{\"path\": \"data/training_set.parquet\", \"rows\": \(training.rowCount), \"definitions_version\": \(definitionsVersion), "
            + "\"features\": [\(lineage.features.map { "\"\($0)\"" }.joined(separator: ", "))]}"
        var run = try await store.createRun(
            experimentID: experiment, name: "baseline-prior",
            tags: ["kite.feature_service": "fraud_model", "kite.training_set": trainingSet, "mlflow.source.name": "kite demo"])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await store.log(
            runID: run.id, metrics: [Metric(key: "log_loss", value: logLoss, timestamp: now), Metric(key: "fraud_rate", value: rate, timestamp: now)],
            params: ["model": "class_prior", "feature_service": "fraud_model", "rows": String(training.rowCount)])
        try await store.logInputs(runID: run.id, datasets: [
            DatasetInput(
                name: "training_set", digest: digest(ofFile: trainingSetPath),
                sourceType: "local", source: "{\"uri\": \"data/training_set.parquet\"}", tags: ["mlflow.data.context": "training"]),
        ])
        if let folder = ArtifactStore.path(ofURI: run.artifactURI) {
            let model = "{\"type\": \"class_prior\", \"probability\": \(rate)}\n"
            try await artifacts.objects.put(folder + "/model/model.json", bytes: Array(model.utf8))
        }
        try await store.finishRun(id: run.id)
        run = try await store.run(id: run.id)
        return run
    }

    /// A dataset digest as MLflow shows it: 8 hex digits of a hash of the file's bytes.
    private func digest(ofFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw KiteError(.io, "cannot read \(path)") }
        let hash = data.withUnsafeBytes { FastHash.bytes($0, 0, $0.count, seed: 0) }
        return String(String(hash, radix: 16).suffix(8))
    }
}
