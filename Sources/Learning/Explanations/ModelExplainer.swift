import KiteCore

/// A learner's explanations: each feature's contribution to each output's raw score (the log-odds for binary, the
/// value for regression, each class's score for multiclass). A row's contributions plus `expectedValues` add up
/// to its raw score. Trees are explained by exact TreeSHAP (the values LightGBM's `pred_contrib` and XGBoost's
/// `pred_contribs` give), linear models by `weight × (value − training mean)`. Built once per model, like
/// `ModelPredictor`.
public struct ModelExplainer: Sendable {
    private enum Learner: Sendable {
        /// Each tree's explainer (tree `i` adds to output `i % outputs`), the path buffer size they need and
        /// 1/k for k up to the deepest tree's depth + 1.
        case trees([TreeSHAP], pathCapacity: Int, inverse: [Double])
        /// A single-precision (XGBoost) model's trees, explained as XGBoost explains them.
        case singleTrees([SingleTreeSHAP], pathCapacity: Int)
        case linear(LinearModel)
    }

    private let learner: Learner
    public let featureCount: Int
    public let outputCount: Int
    /// Each output's expected raw score, where every row's contributions start.
    public let expectedValues: [Double]

    /// The deepest tree explained: TreeSHAP recurses once per level and keeps a copy of the path per level.
    public static let maximumDepth = 512

    /// The explainer of `learner`; a tree model saved before Kite recorded covers cannot be explained, nor one
    /// with a tree deeper than `maximumDepth`. Trees are
    /// tabulated (`LeafPatterns`) while the tables hold at most `tableBudget` values in all (32 MiB by default)
    /// and 65,536 a tree; the others are explained by TreeSHAP's recursion (0: every tree).
    public init(_ learner: ModelFile.Learner, tableBudget: Int = 1 << 22) throws {
        switch learner {
        case .gbdt(let model) where model.isSingle:
            let trees = try model.trees.enumerated().map { index, tree in
                guard let explainer = SingleTreeSHAP(tree) else {
                    throw KiteError.unsupported("the model's trees carry no covers (it was saved before Kite explained predictions): import it again")
                }
                try Self.checkDepth(explainer.depth, tree: index)
                return explainer
            }
            // XGBoost's bias: each tree's mean added in Float in tree order, then the base margin.
            var expected = [Float](repeating: 0, count: model.outputCount)
            for (index, tree) in trees.enumerated() { expected[index % model.outputCount] += tree.expectedValue }
            for output in expected.indices { expected[output] += Float(model.initialScores[output]) }
            self.learner = .singleTrees(trees, pathCapacity: trees.map(\.pathCapacity).max() ?? 1)
            featureCount = model.featureCount
            outputCount = model.outputCount
            expectedValues = expected.map(Double.init)
        case .gbdt(let model):
            var trees: [TreeSHAP] = []
            var expected = model.initialScores
            var budget = tableBudget
            for (index, tree) in model.trees.enumerated() {
                guard var explainer = TreeSHAP(tree) else {
                    throw KiteError.unsupported("the model's trees carry no covers (it was saved before Kite explained predictions): retrain it to explain it")
                }
                try Self.checkDepth(explainer.depth, tree: index)
                explainer.patterns = budget > 0 ? LeafPatterns(explainer, limit: Swift.min(1 << 16, budget)) : nil
                budget -= explainer.patterns?.count ?? 0
                trees.append(explainer)
                expected[index % model.outputCount] += explainer.expectedValue
            }
            let deepest = trees.map(\.depth).max() ?? 0
            self.learner = .trees(
                trees, pathCapacity: trees.map(\.pathCapacity).max() ?? 1, inverse: (0...deepest + 1).map { $0 == 0 ? 0 : 1 / Double($0) })
            featureCount = model.featureCount
            outputCount = model.outputCount
            expectedValues = expected
        case .linear(let model):
            self.learner = .linear(model)
            featureCount = model.weights.count
            outputCount = 1
            let means = model.featureMeans ?? [Double](repeating: 0, count: model.weights.count)
            expectedValues = [zip(model.weights, means).reduce(model.intercept) { $0 + $1.0 * $1.1 }]
        }
    }

    private static func checkDepth(_ depth: Int, tree: Int) throws {
        guard depth <= maximumDepth else {
            throw KiteError.unsupported("tree \(tree) of the model is \(depth) levels deep; Kite explains trees up to \(maximumDepth) levels")
        }
    }

    /// The contributions of every row of `features`, `values[(row × outputCount + output) × featureCount +
    /// feature]`; rows are explained on all cores.
    public func contributions(_ features: Matrix) throws -> [Double] {
        guard features.columns == featureCount else {
            throw KiteError.invalidArgument("the model takes \(featureCount) features, the input has \(features.columns)")
        }
        let width = outputCount * featureCount
        var out = [Double](repeating: 0, count: features.rows * width)
        out.withUnsafeMutableBufferPointer { out in
            features.values.withUnsafeBufferPointer { all in
                // Each chunk writes only its own rows of `out`.
                nonisolated(unsafe) let (all, out) = (all, out)
                Parallel.forEachChunk(features.rows, minimumChunk: 256) { _, rows in
                    explain(all, rows: rows, into: out)
                }
            }
        }
        return out
    }

    /// The contributions of one row, as `contributions(_:)` lays them out.
    public func contributions(row: [Double]) throws -> [Double] {
        try contributions(try Matrix(rows: 1, columns: row.count, values: row))
    }

    private func explain(_ all: UnsafeBufferPointer<Double>, rows: Range<Int>, into out: UnsafeMutableBufferPointer<Double>) {
        let width = outputCount * featureCount
        switch learner {
        case .trees(let trees, let capacity, let inverse):
            let path = UnsafeMutablePointer<TreeSHAP.PathElement>.allocate(capacity: capacity)
            path.initialize(repeating: TreeSHAP.PathElement(), count: capacity)
            defer { path.deallocate() }
            guard let base = out.baseAddress else { return }
            for row in rows {
                let features = UnsafeBufferPointer(rebasing: all[row * featureCount..<(row + 1) * featureCount])
                inverse.withUnsafeBufferPointer { inverse in
                    guard let inverse = inverse.baseAddress else { return }
                    for (index, tree) in trees.enumerated() {
                        tree.explain(features, into: base + row * width + (index % outputCount) * featureCount, path: path, inverse: inverse)
                    }
                }
            }
        case .singleTrees(let trees, let capacity):
            let path = UnsafeMutablePointer<SingleTreeSHAP.PathElement>.allocate(capacity: capacity)
            path.initialize(repeating: SingleTreeSHAP.PathElement(), count: capacity)
            defer { path.deallocate() }
            var total = [Float](repeating: 0, count: width)
            var tree = [Float](repeating: 0, count: featureCount)
            for row in rows {
                let features = UnsafeBufferPointer(rebasing: all[row * featureCount..<(row + 1) * featureCount])
                for index in total.indices { total[index] = 0 }
                for (index, explainer) in trees.enumerated() {
                    for feature in tree.indices { tree[feature] = 0 }
                    tree.withUnsafeMutableBufferPointer { tree in
                        if let base = tree.baseAddress { explainer.explain(features, into: base, path: path) }
                    }
                    let offset = (index % outputCount) * featureCount
                    for feature in 0..<featureCount { total[offset + feature] += tree[feature] }
                }
                for index in 0..<width { out[row * width + index] = Double(total[index]) }
            }
        case .linear(let model):
            for row in rows {
                for feature in 0..<featureCount {
                    let mean = model.featureMeans?[feature] ?? 0
                    out[row * width + feature] = model.weights[feature] * (all[row * featureCount + feature] - mean)
                }
            }
        }
    }
}

extension ModelFile {
    /// The learner's explainer.
    public func explainer() throws -> ModelExplainer { try ModelExplainer(learner) }
}
