import Foundation
import KiteCore

/// A trained gradient-boosted tree ensemble: per output a starting score plus the sum of its trees, turned into a
/// probability for the binary objective and into class probabilities (softmax) for the multiclass one.
public struct GradientBoostedTrees: Sendable, Hashable, Codable {
    /// How scores are added up and transformed.
    public enum Arithmetic: String, Sendable, Hashable, Codable {
        /// In `Double` (Kite's own models, LightGBM's).
        case double
        /// As XGBoost does: each tree's value added to a `Float` sum in tree order, probabilities computed in
        /// `Float`, so an imported XGBoost model predicts what XGBoost predicts, bit for bit.
        case single
    }

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
    /// Absent means `.double`.
    public var arithmetic: Arithmetic?

    /// Whether scores are summed in single precision.
    var isSingle: Bool { arithmetic == .single }

    /// A model from its parts (`validate()` checks that they fit together).
    public init(
        objective: GBDTParameters.Objective, featureCount: Int, outputCount: Int, initialScores: [Double], trees: [DecisionTree],
        splitCounts: [Int], splitGains: [Double], arithmetic: Arithmetic? = nil
    ) {
        self.objective = objective
        self.featureCount = featureCount
        self.outputCount = outputCount
        self.initialScores = initialScores
        self.trees = trees
        self.splitCounts = splitCounts
        self.splitGains = splitGains
        self.arithmetic = arithmetic
    }

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
            if let categories = tree.categories {
                guard categories.count == nodes, categories.allSatisfy({ $0.count <= 1 << 20 }) else {
                    throw fail("tree \(number) has \(categories.count) category sets for \(nodes) nodes")
                }
            }
            guard tree.zeroAsMissing.map({ $0.count == nodes }) ?? true else {
                throw fail("tree \(number) has zero-as-missing flags that do not match its nodes")
            }
            if tree.nodeCover != nil || tree.leafCover != nil {
                guard tree.nodeCover?.count == nodes, tree.leafCover?.count == tree.leafValues.count else {
                    throw fail("tree \(number) has covers that do not match its nodes and leaves")
                }
            }
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
        for tree in trees { score = add(score, tree.predict(features)) }
        return score
    }

    /// The raw scores of one example, one per output.
    func rawScores(_ features: UnsafeBufferPointer<Double>) -> [Double] {
        var scores = initialScores
        for (index, tree) in trees.enumerated() { scores[index % outputCount] = add(scores[index % outputCount], tree.predict(features)) }
        return scores
    }

    /// `score + value` in the model's arithmetic.
    @inline(__always)
    func add(_ score: Double, _ value: Double) -> Double { isSingle ? Double(Float(score) + Float(value)) : score + value }

    /// The prediction for one example: the probability of class 1 (binary), the value (regression), or the most
    /// probable class (multiclass).
    public func predict(_ features: [Double]) throws -> Double {
        try check(features.count)
        return features.withUnsafeBufferPointer { row in
            outputCount == 1 ? transform(rawScore(row)) : prediction(raw: rawScores(row))
        }
    }

    /// The raw scores of one example, one per output (log-odds for binary, before the softmax for multiclass).
    public func rawScores(_ features: [Double]) throws -> [Double] {
        try check(features.count)
        return features.withUnsafeBufferPointer { rawScores($0) }
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
        case .multiclass: return isSingle ? Self.singleSoftmax(raw) : Self.softmax(raw)
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

    func transform(_ raw: Double) -> Double {
        guard objective == .binary else { return raw }
        return isSingle ? Double(Self.singleSigmoid(Float(raw))) : LogisticLoss.sigmoid(raw)
    }

    /// XGBoost's sigmoid, in `Float`: 1 / (exp(min(−x, 88.7)) + 1 + 10⁻¹⁶).
    static func singleSigmoid(_ x: Float) -> Float {
        let epsilon: Float = 1e-16
        return 1 / (Foundation.exp(Swift.min(-x, 88.7)) + 1 + epsilon)
    }

    /// XGBoost's softmax: exponentials in `Float` from the largest score, summed in `Double`, divided in `Float`.
    static func singleSoftmax(_ scores: [Double]) -> [Double] {
        let floats = scores.map(Float.init)
        let top = floats.dropFirst().reduce(floats.first ?? 0) { Swift.max($1, $0) }
        let exps = floats.map { Foundation.exp($0 - top) }
        let total = Float(exps.reduce(0.0) { $0 + Double($1) })
        return exps.map { Double($0 / total) }
    }

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
