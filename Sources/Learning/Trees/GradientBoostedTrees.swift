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

    /// Checks that every count and index fits — outputs and starting scores, importance arrays, each tree's
    /// arrays, features and children (a child always after its parent, so every walk ends at a leaf) — so that
    /// prediction cannot go out of range.
    public func validate() throws {
        func fail(_ message: String) -> KiteError { KiteError.corrupt(message) }
        guard outputCount >= 1, initialScores.count == outputCount, trees.count % outputCount == 0 else {
            throw fail("\(outputCount) outputs, \(initialScores.count) starting scores and \(trees.count) trees do not fit together")
        }
        guard featureCount >= 0, splitCounts.count == featureCount, splitGains.count == featureCount else {
            throw fail("the importance arrays do not have one entry per feature (\(featureCount))")
        }
        for (number, tree) in trees.enumerated() {
            let nodes = tree.feature.count
            guard tree.threshold.count == nodes, tree.defaultLeft.count == nodes, tree.left.count == nodes, tree.right.count == nodes,
                !tree.leafValues.isEmpty, nodes == 0 || tree.leafValues.count == nodes + 1, nodes < Int(Int32.max) / 4
            else { throw fail("tree \(number) has arrays of different lengths") }
            for node in 0..<nodes {
                guard (0..<featureCount).contains(tree.feature[node]) else { throw fail("tree \(number) splits on feature \(tree.feature[node])") }
                for child in [tree.left[node], tree.right[node]] {
                    guard child < 0 ? (0..<tree.leafValues.count).contains(~child) : (child > node && child < nodes) else {
                        throw fail("tree \(number) node \(node) points to \(child)")
                    }
                }
            }
        }
    }

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

    /// Predictions for every row of `features` (see `predict(_:)` for one row), scored by the packed trees (packed
    /// for this call: a server keeps a `FlatForest` instead).
    public func predict(_ features: Matrix) throws -> [Double] { try predictor().predict(features) }

    /// Class probabilities for every row of `features`: one array per row.
    public func probabilities(_ features: Matrix) throws -> [[Double]] { try predictor().probabilities(features) }

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

    /// `body` of every row of `features`, in row order; large matrices are cut into contiguous chunks scored on
    /// all cores.
    func rows<T>(of features: Matrix, _ body: @Sendable (UnsafeBufferPointer<Double>) -> T) -> [T] {
        let width = featureCount
        let chunks = Parallel.chunkCount(features.rows, minimumChunk: 4_096)
        let parts = UnsafeMutableBufferPointer<[T]>.allocate(capacity: chunks)
        parts.initialize(repeating: [])
        defer {
            parts.deinitialize()
            parts.deallocate()
        }
        features.values.withUnsafeBufferPointer { all in
            // Each chunk writes its own slot of `parts`, and only reads `all`.
            nonisolated(unsafe) let (all, parts) = (all, parts)
            Parallel.forEachChunk(features.rows, minimumChunk: 4_096) { chunk, range in
                parts[chunk] = range.map { row in body(UnsafeBufferPointer(rebasing: all[row * width..<(row + 1) * width])) }
            }
        }
        return Array(parts.joined())
    }

    func check(_ count: Int) throws {
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
