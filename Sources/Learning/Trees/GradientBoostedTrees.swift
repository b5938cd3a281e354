import Foundation
import KiteCore

/// A trained gradient-boosted tree ensemble: per output a starting score plus the sum of its trees, turned into a
/// probability for the binary objective and into class probabilities (softmax) for the multiclass one.
public struct GradientBoostedTrees: Sendable, Hashable, Codable {
    public var objective: GBDTParameters.Objective
    public var featureCount: Int
    /// The trees of one round: the number of classes for multiclass, 1 otherwise. Tree `i` adds to output
    /// `i % outputCount`.
    public var outputCount: Int
    /// Each output's starting score.
    public var initialScores: [Double]
    public var trees: [DecisionTree]
    /// Per feature, how many splits use it and the total gain they bring.
    public var splitCounts: [Int]
    public var splitGains: [Double]

    /// The rounds trained (trees per output).
    public var rounds: Int { trees.count / Swift.max(1, outputCount) }

    /// The raw score (log-odds for binary) of one example of `featureCount` values; single-output models only.
    @inline(__always)
    func rawScore(_ features: UnsafeBufferPointer<Double>) -> Double {
        var score = initialScores[0]
        for tree in trees { score += tree.predict(features) }
        return score
    }

    /// The raw scores of one example, one per output.
    func rawScores(_ features: UnsafeBufferPointer<Double>) -> [Double] {
        var scores = initialScores
        for (index, tree) in trees.enumerated() { scores[index % outputCount] += tree.predict(features) }
        return scores
    }

    /// The prediction for one example: the probability of class 1 (binary), the value (regression), or the most
    /// probable class (multiclass).
    public func predict(_ features: [Double]) throws -> Double {
        try check(features.count)
        return features.withUnsafeBufferPointer { row in
            outputCount == 1 ? transform(rawScore(row)) : prediction(raw: rawScores(row))
        }
    }

    /// Class probabilities for one example: `[1 − p, p]` for binary, the softmax for multiclass.
    public func probabilities(_ features: [Double]) throws -> [Double] {
        try check(features.count)
        return features.withUnsafeBufferPointer { probabilities(raw: rawScores($0)) }
    }

    /// Predictions for every row of `features` (see `predict(_:)` for one row), scored by the packed trees.
    public func predict(_ features: Matrix) throws -> [Double] {
        try check(features.columns)
        let packed = predictor()
        return rows(of: features) { prediction(raw: packed.rawScores($0)) }
    }

    /// Class probabilities for every row of `features`: one array per row.
    public func probabilities(_ features: Matrix) throws -> [[Double]] {
        try check(features.columns)
        let packed = predictor()
        return rows(of: features) { probabilities(raw: packed.rawScores($0)) }
    }

    /// The prediction from an example's raw scores.
    func prediction(raw: [Double]) -> Double {
        outputCount == 1 ? transform(raw[0]) : Double(Self.argmax(raw))
    }

    /// Class probabilities (or the regression value) from an example's raw scores.
    func probabilities(raw: [Double]) -> [Double] {
        switch objective {
        case .binary:
            let p = transform(raw[0])
            return [1 - p, p]
        case .regression, .regressionL1, .huber: return raw
        case .multiclass: return Self.softmax(raw)
        }
    }

    private func rows<T>(of features: Matrix, _ body: (UnsafeBufferPointer<Double>) -> T) -> [T] {
        features.values.withUnsafeBufferPointer { all in
            (0..<features.rows).map { row in body(UnsafeBufferPointer(rebasing: all[row * featureCount..<(row + 1) * featureCount])) }
        }
    }

    private func check(_ count: Int) throws {
        guard count == featureCount else {
            throw KiteError.invalidArgument("the model takes \(featureCount) features, the input has \(count)")
        }
    }

    func transform(_ raw: Double) -> Double { objective == .binary ? LogisticLoss.sigmoid(raw) : raw }

    /// exp(s − max) / Σ exp(s − max).
    static func softmax(_ scores: [Double]) -> [Double] {
        let top = scores.max() ?? 0
        let exps = scores.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }

    /// The index of the largest value (the first one on ties).
    static func argmax(_ values: [Double]) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return best
    }
}
