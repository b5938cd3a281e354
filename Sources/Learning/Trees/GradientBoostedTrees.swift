import Foundation
import KiteCore

/// A trained gradient-boosted tree ensemble: a starting score plus the sum of its trees' outputs, turned into a
/// probability for the binary objective.
public struct GradientBoostedTrees: Sendable, Hashable, Codable {
    public var objective: GBDTParameters.Objective
    public var featureCount: Int
    public var initialScore: Double
    public var trees: [DecisionTree]
    /// Per feature, how many splits use it and the total gain they bring.
    public var splitCounts: [Int]
    public var splitGains: [Double]

    /// The raw score (log-odds for binary) of one example of `featureCount` values.
    public func rawScore(_ features: UnsafeBufferPointer<Double>) -> Double {
        var score = initialScore
        for tree in trees { score += tree.predict(features) }
        return score
    }

    /// The prediction for one example: the probability of class 1 (binary) or the value (regression).
    public func predict(_ features: [Double]) throws -> Double {
        guard features.count == featureCount else {
            throw KiteError.invalidArgument("the model takes \(featureCount) features, the input has \(features.count)")
        }
        return features.withUnsafeBufferPointer { transform(rawScore($0)) }
    }

    /// Predictions for every row of `features`.
    public func predict(_ features: Matrix) throws -> [Double] {
        guard features.columns == featureCount else {
            throw KiteError.invalidArgument("the model takes \(featureCount) features, the input has \(features.columns)")
        }
        return features.values.withUnsafeBufferPointer { all in
            (0..<features.rows).map { row in
                transform(rawScore(UnsafeBufferPointer(rebasing: all[row * featureCount..<(row + 1) * featureCount])))
            }
        }
    }

    func transform(_ raw: Double) -> Double { objective == .binary ? LogisticLoss.sigmoid(raw) : raw }
}
