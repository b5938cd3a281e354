import Features
import Foundation
import KiteCore
import Learning
import ObjectStorage
import Registry
import Serving

/// How a training job records itself in the tracking store and finds the champion.
extension TrainingJob {
    /// The config's experiment (the project's name by default), created if it does not exist.
    func experiment(_ registry: RegistryStore) async throws -> String {
        try await registry.experimentID(creatingIfMissing: configuration.experiment ?? project.project)
    }

    /// The run's tags: where it came from and its training set (copied into a registered version's lineage).
    func tags(_ data: TrainingData) -> [String: String] {
        var tags = [
            "mlflow.source.name": sourceName, "mlflow.source.type": "LOCAL", "kite.config": configuration.file,
            "kite.training_set": Self.json(
                data.metadata, limit: 8000,
                withoutFeatures: {
                    $0.features = []
                    $0.featureReferences = nil
                }),
        ]
        if let user = ProcessInfo.processInfo.environment["USER"] { tags["mlflow.user"] = user }
        if let service = data.metadata.featureService { tags["kite.feature_service"] = service }
        return tags
    }

    /// The run's params: the learner's settings by their usual names, and how the data was split.
    func params(_ data: TrainingData) throws -> [String: String] {
        var params = [
            "learner": configuration.learner.name, "task": data.task.rawValue, "label": configuration.label,
            "num_features": String(data.features.count), "split": configuration.split.method,
            "test_fraction": String(configuration.split.testFraction), "train_rows": String(data.metadata.trainRows),
            "test_rows": String(data.metadata.testRows),
        ]
        if configuration.crossValidationFolds > 0 { params["cross_validation_folds"] = String(configuration.crossValidationFolds) }
        if let weight = configuration.weightColumn { params["weight"] = weight }
        if let service = data.metadata.featureService { params["feature_service"] = service }
        switch configuration.learner {
        case .gbdt(let parameters):
            params.merge(try Self.parameters(parameters, for: data, file: configuration.file).named) { a, _ in a }
        case .logistic(let c, let l1Ratio, let iterations):
            params["C"] = String(c)
            params["l1_ratio"] = String(l1Ratio)
            params["max_iter"] = String(iterations)
        case .ridge(let alpha):
            params["alpha"] = String(alpha)
        }
        return params
    }

    /// The champion gates compare with: the version aliased `champion`, and its metrics — its model re-scored on
    /// this run's test set when it can read it (same task and classes, every input present), so both are measured
    /// on the same rows; otherwise (and for metrics a re-score cannot give, such as cross-validation's) the metrics
    /// its run recorded. Nil when there is no champion.
    func champion(
        _ registry: RegistryStore, artifacts: ArtifactStore, test: DataFrame, labels: [Double], weights: [Double]?, data: TrainingData
    ) async throws -> TrainingResult.Champion? {
        guard let name = configuration.modelName, configuration.gates.contains(where: \.needsChampion) else { return nil }
        let version: ModelVersion
        do { version = try await registry.modelVersion(name: name, alias: "champion") } catch let error as KiteError where error.code == .notFound {
            return nil
        }
        guard let runID = version.runID else {
            throw KiteError.invalidArgument("\(name)@champion (version \(version.version)) has no run, so it has no metrics to compare with")
        }
        var metrics = try await registry.run(id: runID).metrics.mapValues(\.value)
        var rescored = false
        if let model = try? await ModelLoader.model(of: version, reference: "\(name)@champion", registry: registry, artifacts: artifacts),
            model.signature.task == data.task, model.signature.classes == data.classes,
            model.signature.inputs.allSatisfy({ test[$0.name] != nil }),
            let scores = try? evaluate(model, test, labels, weights: weights, task: data.task)
        {
            metrics.merge(scores) { _, new in new }
            rescored = true
        }
        return TrainingResult.Champion(version: version.version, metrics: metrics, rescored: rescored)
    }

    /// Logs the curve and the final metrics, the training set as the run's input, and the artifacts: the model
    /// file (`model/model.json`), `feature_importance.json`, `training_set.json`, the reference (`recordReference`)
    /// and the config.
    func record(
        run: Run, model: ModelFile, fitted: Fitted, metrics: [String: Double], data: TrainingData, test: DataFrame, registry: RegistryStore,
        artifacts: ArtifactStore, outcomes: [ValidationGate.Outcome]
    ) async throws {
        let now = registry.clock.now()
        var all = fitted.curve.enumerated().map { Metric(key: fitted.curveName, value: $1, timestamp: now, step: Int64($0 + 1)) }
        all += metrics.sorted { $0.key < $1.key }.map { Metric(key: $0.key, value: $0.value, timestamp: now) }
        if let rounds = fitted.rounds { all.append(Metric(key: "num_rounds", value: Double(rounds), timestamp: now)) }
        var start = 0
        while start < all.count {
            try await registry.log(runID: run.id, metrics: Array(all[start..<Swift.min(all.count, start + 1000)]))
            start += 1000
        }
        let failed = outcomes.filter { !$0.passed }
        try await registry.log(
            runID: run.id,
            tags: [
                "kite.gates": outcomes.isEmpty ? "none" : failed.isEmpty ? "passed" : "failed: " + failed.map(\.gate).joined(separator: "; ")
            ])
        let location = data.metadata.path ?? ""
        try await registry.logInputs(
            runID: run.id,
            datasets: [
                DatasetInput(
                    name: data.metadata.featureService ?? (location as NSString).lastPathComponent, digest: data.metadata.digest,
                    sourceType: location.hasPrefix("s3://") ? "s3" : "local", source: Self.json(["uri": location], limit: 8000),
                    tags: ["mlflow.data.context": "training"])
            ])
        guard let folder = ArtifactStore.path(ofURI: run.artifactURI) else {
            throw KiteError.unsupported("the run's artifacts live at '\(run.artifactURI)', outside the project's artifact store")
        }
        try await artifacts.objects.put(folder + "/model/model.json", bytes: Array(try model.encoded()))
        try await artifacts.objects.put(folder + "/feature_importance.json", bytes: Array(Self.json(fitted.importance, limit: .max).utf8))
        try await artifacts.objects.put(folder + "/training_set.json", bytes: Array(Self.json(data.metadata, limit: .max).utf8))
        try await recordReference(model: model, test: test, data: data, folder: folder, artifacts: artifacts)
        if let config = FileManager.default.contents(atPath: configuration.file) {
            try await artifacts.objects.put(folder + "/config/" + (configuration.file as NSString).lastPathComponent, bytes: Array(config))
        }
    }

    /// `value` as sorted-key JSON; if longer than `limit`, again after `shrink` (and cut, as a last resort).
    static func json<T: Encodable>(_ value: T, limit: Int, withoutFeatures shrink: ((inout T) -> Void)? = nil) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        if text.count > limit, let shrink {
            var smaller = value
            shrink(&smaller)
            text = (try? encoder.encode(smaller)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        return text.count > limit ? String(text.prefix(limit)) : text
    }
}
