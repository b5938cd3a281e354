import KiteCore
import Learning
import ObjectStorage
import Parquet
import Registry
import Serving

extension TrainingJob {
    /// The most holdout rows a run keeps as monitoring's reference.
    static let referenceRowLimit = 100_000

    /// The holdout as monitoring's reference, `reference/reference.parquet` among the run's artifacts: the model's
    /// inputs, the time column, the label and the model's predictions in the prediction log's columns
    /// (`prediction`, `probability`), so drift compares like with like and performance estimates have a labelled,
    /// scored baseline. At most `referenceRowLimit` rows (the first of the holdout). Their mean |SHAP| per input is
    /// the model's global importance (`ExplanationImportance.artifact`).
    func recordReference(model: ModelFile, test: DataFrame, data: TrainingData, folder: String, artifacts: ArtifactStore) async throws {
        let names = data.features + [configuration.timeColumn, configuration.label].compactMap { $0 }.filter { !data.features.contains($0) }
        let rows = try test.slice(0..<min(test.rowCount, Self.referenceRowLimit)).select(names)
        try await Self.writeReference(rows, model: model, threshold: configuration.threshold, folder: folder, artifacts: artifacts)
    }

    /// Scores `rows` and writes them, with their predictions, as the reference of the run whose artifacts are at
    /// `folder`, and their mean |SHAP| per input as the model's global importance.
    static func writeReference(_ rows: DataFrame, model: ModelFile, threshold: Double, folder: String, artifacts: ArtifactStore) async throws {
        let scorer = try BatchScorer(model: model, threshold: threshold)
        let scored = try scorer.score(rows)
        let importance = ExplanationImportance(try scorer.explanations(rows))
        try await artifacts.objects.put(folder + "/" + ExplanationImportance.artifact, bytes: Array(try importance.encoded()))
        let writer = try await ParquetWriter(sink: try await artifacts.objects.makeSink(for: folder + "/reference/reference.parquet"), schema: scored.schema)
        try await writer.write(scored)
        try await writer.close()
    }
}
