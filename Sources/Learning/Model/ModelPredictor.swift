import KiteCore

/// A model file's learner ready to score batch after batch: a tree ensemble packed once (`FlatForest`), a linear
/// model as it is. Scores equal the learner's own, bit for bit.
public enum ModelPredictor: Sendable {
    case forest(FlatForest)
    case linear(LinearModel)

    /// Predictions for every row of preprocessed `features`: the probability of class 1 (binary), the value
    /// (regression), the most probable class's index (multiclass).
    public func predict(_ features: Matrix) throws -> [Double] {
        switch self {
        case .forest(let forest): try forest.predict(features)
        case .linear(let model): try model.predict(features)
        }
    }

    /// Each row's class probabilities (multiclass), or `[1 − p, p]` (binary); a regressor has none.
    public func probabilities(_ features: Matrix) throws -> [[Double]] {
        switch self {
        case .forest(let forest):
            guard forest.model.objective == .binary || forest.model.objective == .multiclass else {
                throw KiteError.invalidArgument("a regression model has no class probabilities")
            }
            return try forest.probabilities(features)
        case .linear(let model):
            guard model.kind == .logistic else { throw KiteError.invalidArgument("a ridge model has no class probabilities") }
            return try model.predict(features).map { [1 - $0, $0] }
        }
    }
}
