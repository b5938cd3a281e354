import Foundation
import KiteCore
import Learning
import ObjectStorage
import Registry

/// `kite models import`: a LightGBM or XGBoost model file converted to Kite's model file, recorded as a run (the
/// original file, the converted model and the trees' split importance as artifacts; the library, objective and
/// shape as params) and registered as a new version of `name`.
public struct ModelImport: Sendable {
    /// The registered model to add a version to (created if needed).
    public var name: String
    /// Moved to the new version, if given.
    public var alias: String?
    /// The experiment the run goes to.
    public var experiment: String
    /// The inputs' names and types, when the model's own feature names are not the columns it will be given.
    public var inputs: [ModelFile.Signature.Input]?
    /// What the model predicts, recorded in the signature.
    public var label: String
    /// Rows the model scores as its monitoring reference (its inputs, and the label if present; the first 100,000),
    /// recorded as a trained model's holdout is, with their mean |SHAP| as the model's global importance.
    public var reference: DataFrame?
    /// Shown as `mlflow.source.name` on the run.
    public var sourceName = "kite models import"

    /// An import of a model into `name`.
    public init(name: String, alias: String? = nil, experiment: String, inputs: [ModelFile.Signature.Input]? = nil, label: String = "label") {
        self.name = name
        self.alias = alias
        self.experiment = experiment
        self.inputs = inputs
        self.label = label
    }

    /// What an import made.
    public struct Result: Sendable {
        public var runID: String
        public var version: Int64
        public var library: String
        public var objective: String
        public var task: LearningTask
        public var trees: Int
        public var features: [String]
    }

    /// Converts `bytes` (the file at `path`), records the run and registers the version. Nothing is recorded when
    /// the file cannot be converted exactly.
    public func run(path: String, bytes: Data, registry: RegistryStore, artifacts: ArtifactStore) async throws -> Result {
        let imported = try ImportedModel.read(bytes, source: path)
        var model = try imported.modelFile(inputs: inputs, label: label)
        try await registry.createRegisteredModelIfMissing(name: name)
        let experimentID = try await registry.experimentID(creatingIfMissing: experiment)
        let fileName = (path as NSString).lastPathComponent
        let run = try await registry.createRun(
            experimentID: experimentID, name: "import-\(imported.library)",
            tags: ["mlflow.source.name": sourceName, "mlflow.source.type": "LOCAL", "kite.imported_from": fileName])
        do {
            model.training["run_id"] = run.id
            try await registry.log(
                runID: run.id,
                params: [
                    "learner": imported.library, "objective": imported.objectiveName, "task": imported.task.rawValue,
                    "num_trees": String(imported.trees.trees.count), "num_features": String(imported.featureNames.count),
                    "num_class": String(imported.classes?.count ?? 1),
                ])
            guard let folder = ArtifactStore.path(ofURI: run.artifactURI) else {
                throw KiteError.unsupported("the run's artifacts live at '\(run.artifactURI)', outside the project's artifact store")
            }
            try await artifacts.objects.put(folder + "/model/model.json", bytes: Array(try model.encoded()))
            try await artifacts.objects.put(folder + "/original/" + fileName, bytes: Array(bytes))
            let names = model.signature.inputs.map(\.name)
            if let reference {
                for name in names where reference[name] == nil {
                    throw KiteError.invalidArgument("the reference rows have no column '\(name)', an input of the model")
                }
                let columns = names + (reference[label] != nil && !names.contains(label) ? [label] : [])
                let rows = try reference.slice(0..<Swift.min(reference.rowCount, TrainingJob.referenceRowLimit)).select(columns)
                try await TrainingJob.writeReference(rows, model: model, threshold: 0.5, folder: folder, artifacts: artifacts)
            }
            let importance = TrainingJob.importance(model.learner, names: names)
            try await artifacts.objects.put(folder + "/feature_importance.json", bytes: Array(TrainingJob.json(importance, limit: .max).utf8))
            let version = try await registry.createModelVersion(
                name: name, source: run.artifactURI + "/model", runID: run.id,
                description: "\(imported.library) \(imported.objectiveName) model imported from \(fileName) (\(imported.trees.trees.count) trees)"
            ).version
            if let alias { try await registry.setAlias(name: name, alias: alias, version: String(version)) }
            try await registry.finishRun(id: run.id, status: .finished)
            return Result(
                runID: run.id, version: version, library: imported.library, objective: imported.objectiveName, task: imported.task,
                trees: imported.trees.trees.count, features: names)
        } catch {
            try? await registry.finishRun(id: run.id, status: .failed)
            throw error
        }
    }
}
