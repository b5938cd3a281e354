import KiteCore
import Learning

/// Scores frames with a model: the input's columns pass through and the prediction columns follow (see
/// `Predictions.columns`). The one scoring path of batch jobs and of the server, so both answer alike, bit for bit.
public struct BatchScorer: Sendable {
    public let model: ModelFile
    /// The probability at which a binary prediction is 1.
    public let threshold: Double
    /// The learner, packed once for all the batches this scorer sees.
    private let predictor: ModelPredictor
    /// The learner's explainer, or why it has none (trees saved before Kite recorded covers).
    private let explainer: Result<ModelExplainer, any Error>

    /// A scorer for `model`; `threshold` must be in 0…1. With `explains`, the explainer is built now (tabulating a
    /// GBDT's trees takes milliseconds: the server's first explained request does not wait for it); without, asking
    /// for explanations is an error.
    public init(model: ModelFile, threshold: Double = 0.5, explains: Bool = true) throws {
        guard (0...1).contains(threshold) else { throw KiteError.invalidArgument("the threshold must be between 0 and 1, not \(threshold)") }
        self.model = model
        self.threshold = threshold
        self.predictor = try model.predictor()
        self.explainer = explains ? Result { try model.explainer() } : .failure(KiteError.invalidArgument("this scorer was made without explanations"))
    }

    /// Each row's contributions per input (see `Explanations`).
    public func explanations(_ frame: DataFrame) throws -> Explanations { try explanations(features: try model.preprocessor.transform(frame)) }

    /// The explanations of rows already preprocessed.
    public func explanations(features: Matrix) throws -> Explanations {
        try model.explanations(features: features, explainer: try explainer.get())
    }

    /// The model's predictions for every row of `frame`.
    public func predictions(_ frame: DataFrame) throws -> Predictions { try predictions(features: try model.preprocessor.transform(frame)) }

    /// The model's predictions for rows already preprocessed (`model.preprocessor.transform`).
    public func predictions(features: Matrix) throws -> Predictions {
        switch model.signature.task {
        case .binary:
            let probabilities = try predictor.predict(features)
            return .binary(probabilities: probabilities, classes: probabilities.map { $0 >= threshold ? 1 : 0 })
        case .multiclass:
            let probabilities = try predictor.probabilities(features)
            let best = probabilities.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
            return .multiclass(classes: model.signature.classes ?? [], probabilities: probabilities, best: best)
        case .regression:
            return .regression(try predictor.predict(features))
        }
    }

    /// `frame`'s columns followed by the prediction columns (and, with `explain`, the explanation columns:
    /// `Explanations.columns(classes:)`); an input column with an added column's name is an error.
    public func score(_ frame: DataFrame, explain: Bool = false) throws -> DataFrame {
        let features = try model.preprocessor.transform(frame)
        var added = try predictions(features: features).columns
        if explain { added += try explanations(features: features).columns(classes: model.signature.classes) }
        for (name, _) in added where frame[name] != nil {
            throw KiteError.invalidArgument("the input already has a column '\(name)'; rename it before scoring")
        }
        return try DataFrame(Array(zip(frame.schema.fields.map(\.name), frame.columns)) + added.map { ($0.name, $0.column) })
    }
}
