import Foundation
import KiteCore

/// A fitted linear model: ridge regression or logistic regression (binary). The intercept is not penalized.
public struct LinearModel: Sendable, Hashable, Codable {
    /// What the linear score means.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The score is the prediction.
        case ridge
        /// The score is the log-odds of class 1.
        case logistic
    }

    public var kind: Kind
    public var weights: [Double]
    public var intercept: Double
    /// Each feature's mean over the training rows: the baseline explanations measure from (absent in files
    /// written before explanations: then zero).
    public var featureMeans: [Double]?

    /// A model from its parameters.
    public init(kind: Kind, weights: [Double], intercept: Double, featureMeans: [Double]? = nil) {
        self.kind = kind
        self.weights = weights
        self.intercept = intercept
        self.featureMeans = featureMeans
    }

    /// The mean of each column of `features` (NaN-free training rows), weighted by `weights` when given.
    static func means(_ features: Matrix, weights: [Double]? = nil) -> [Double] {
        var sums = [Double](repeating: 0, count: features.columns)
        for row in 0..<features.rows {
            let weight = SampleWeights.at(weights, row)
            for column in 0..<features.columns { sums[column] += weight * features.values[row * features.columns + column] }
        }
        let total = SampleWeights.total(weights, rows: features.rows)
        return sums.map { $0 / Swift.max(total, Double.leastNonzeroMagnitude) }
    }

    /// The linear score of one example.
    public func score(_ features: some Collection<Double>) -> Double {
        var total = intercept
        for (weight, value) in zip(weights, features) { total += weight * value }
        return total
    }

    /// The prediction for one example: the score for ridge, the probability of class 1 for logistic.
    public func predict(_ features: some Collection<Double>) -> Double {
        let z = score(features)
        return kind == .ridge ? z : LogisticLoss.sigmoid(z)
    }

    /// Predictions for every row of `features`.
    public func predict(_ features: Matrix) throws -> [Double] {
        guard features.columns == weights.count else {
            throw KiteError.invalidArgument("the model takes \(weights.count) features, the input has \(features.columns)")
        }
        return (0..<features.rows).map { row in
            predict(features.values[row * features.columns..<(row + 1) * features.columns])
        }
    }
}

/// Logistic loss helpers, numerically stable for large scores.
enum LogisticLoss {
    static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// log(1 + eᶻ) without overflow.
    static func softplus(_ z: Double) -> Double {
        z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
    }
}
