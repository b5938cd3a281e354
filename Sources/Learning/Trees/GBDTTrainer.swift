import Dispatch
import Foundation
import KiteCore

/// Trains gradient-boosted trees the way LightGBM does: features binned once into quantile histograms, one tree
/// per round (one per class and round for multiclass) fitted to the loss's gradients and hessians by
/// `TreeGrower`, optional row bagging and feature subsampling, early stopping on a validation set.
public struct GBDTTrainer: Sendable {
    public let parameters: GBDTParameters
    /// Called after each round with the round (from 1) and the validation loss, if there is a validation set.
    public var onRound: (@Sendable (Int, Double?) -> Void)?

    /// A trainer with `parameters`.
    public init(parameters: GBDTParameters, onRound: (@Sendable (Int, Double?) -> Void)? = nil) {
        self.parameters = parameters
        self.onRound = onRound
    }

    /// Fits on `features` and `labels` (0/1 for binary, 0 ..< num_class for multiclass), stopping early on `validation` if asked.
    /// `weights` weigh the training rows as LightGBM's `weight` does — each row's gradient and hessian, the starting
    /// score — and `validationWeights` the validation loss early stopping follows.
    public func fit(
        features: Matrix, labels: [Double], weights: [Double]? = nil, validation: (features: Matrix, labels: [Double])? = nil,
        validationWeights: [Double]? = nil
    ) throws -> GradientBoostedTrees {
        try parameters.validate()
        try check(features, labels, "training")
        try SampleWeights.check(weights, rows: labels.count)
        try SampleWeights.check(validationWeights, rows: validation?.labels.count ?? 0)
        if let validation {
            try check(validation.features, validation.labels, "validation")
            guard validation.features.columns == features.columns else {
                throw KiteError.invalidArgument("the validation set has \(validation.features.columns) features, training has \(features.columns)")
            }
        }
        guard parameters.earlyStoppingRounds == 0 || validation != nil else {
            throw KiteError.invalidArgument("early stopping needs a validation set")
        }
        var grower = try TreeGrower(parameters: parameters, features: features)
        let n = features.rows
        let outputs = parameters.objective == .multiclass ? parameters.numClass : 1
        let initial = parameters.objective.initialScores(labels: labels, outputs: outputs, weights: weights)
        var model = GradientBoostedTrees(
            objective: parameters.objective, featureCount: features.columns, outputCount: outputs, initialScores: initial, trees: [],
            splitCounts: [Int](repeating: 0, count: features.columns), splitGains: [Double](repeating: 0, count: features.columns))
        // Scores and gradients output by output: [output * rows + row].
        var scores = initial.flatMap { [Double](repeating: $0, count: n) }
        var validationScores = validation.map { set in initial.flatMap { [Double](repeating: $0, count: set.features.rows) } } ?? []
        var gradients = [SIMD2<Double>](repeating: .zero, count: n * outputs)
        let classWeights = parameters.objective == .binary ? parameters.classWeights(labels) : SIMD2(1, 1)
        var generator = SeededGenerator(seed: parameters.seed &+ 0x9E37_79B9)
        var bestLoss = Double.infinity
        var bestRound = 0
        let bagging = parameters.baggingFrequency > 0 && parameters.baggingFraction < 1
        for round in 1...parameters.numIterations {
            parameters.objective.gradients(
                scores: scores, labels: labels, outputs: outputs, alpha: parameters.alpha, classWeights: classWeights, weights: weights,
                into: &gradients)
            if bagging, (round - 1) % parameters.baggingFrequency == 0 {
                grower.bag(fraction: parameters.baggingFraction, using: &generator)
            }
            var allowed = Array(0..<features.columns)
            if parameters.featureFraction < 1 {
                allowed.shuffle(using: &generator)
                allowed = Array(allowed.prefix(Swift.max(1, Int((Double(features.columns) * parameters.featureFraction).rounded())))).sorted()
            }
            var learned = false
            for output in 0..<outputs {
                var (tree, nodeSplits, leafRanges) = gradients.withUnsafeBufferPointer { all in
                    grower.grow(gradients: UnsafeBufferPointer(rebasing: all[output * n..<(output + 1) * n]), allowedFeatures: allowed, model: &model)
                }
                if parameters.objective.renewsLeaves {
                    // Each leaf outputs the (weighted) median of its rows' residuals (before this tree), times the
                    // learning rate.
                    for (leaf, range) in leafRanges.enumerated() where !range.isEmpty {
                        let residuals = range.map { labels[Int(grower.order[$0])] - scores[Int(grower.order[$0])] }
                        let median =
                            weights.map { weights in
                                GBDTParameters.Objective.weightedMedian(residuals, weights: range.map { weights[Int(grower.order[$0])] })
                            } ?? GBDTParameters.Objective.median(residuals)
                        tree.leafValues[leaf] = median * parameters.learningRate
                    }
                }
                learned = learned || !tree.feature.isEmpty
                Self.add(tree, to: &scores, offset: output * n, grower: grower, nodeSplits: nodeSplits, leafRanges: leafRanges, bagging: bagging)
                if let validation {
                    let base = output * validation.features.rows
                    validation.features.values.withUnsafeBufferPointer { all in
                        for row in 0..<validation.features.rows {
                            validationScores[base + row] += tree.predict(
                                UnsafeBufferPointer(rebasing: all[row * features.columns..<(row + 1) * features.columns]))
                        }
                    }
                }
                model.trees.append(tree)
            }
            let loss = validation.map {
                parameters.objective.loss(scores: validationScores, labels: $0.labels, outputs: outputs, alpha: parameters.alpha, weights: validationWeights)
            }
            onRound?(round, loss)
            if let loss, parameters.earlyStoppingRounds > 0 {
                if loss < bestLoss {
                    bestLoss = loss
                    bestRound = round
                } else if round - bestRound >= parameters.earlyStoppingRounds {
                    model.trees.removeLast((round - bestRound) * outputs)
                    break
                }
            }
            if !learned, round > 1 { break }  // Nothing left to learn: every further tree would be a single leaf.
        }
        return model
    }

    /// Adds a new tree's output to the training scores: through each leaf's rows when every row was in the
    /// tree, by walking the binned rows otherwise.
    private static func add(
        _ tree: DecisionTree, to scores: inout [Double], offset: Int, grower: TreeGrower, nodeSplits: [TreeGrower.Split], leafRanges: [Range<Int>],
        bagging: Bool
    ) {
        scores.withUnsafeMutableBufferPointer { scores in
            grower.order.withUnsafeBufferPointer { order in
                let buffers = UncheckedSendable((scores, order))
                if bagging {
                    Parallel.forEachChunk(grower.rows, minimumChunk: 50_000) { _, range in
                        let (scores, _) = buffers.value
                        for row in range { scores[offset + row] += tree.leafValues[grower.leaf(ofRow: row, tree: tree, nodeSplits: nodeSplits)] }
                    }
                } else {
                    // Every row is in exactly one leaf's range.
                    DispatchQueue.concurrentPerform(iterations: leafRanges.count) { leaf in
                        let (scores, order) = buffers.value
                        let value = tree.leafValues[leaf]
                        for position in leafRanges[leaf] { scores[offset + Int(order[position])] += value }
                    }
                }
            }
        }
    }

    func check(_ x: Matrix, _ y: [Double], _ name: String) throws {
        guard x.rows >= 2 else { throw KiteError.invalidArgument("the \(name) set needs at least two rows, not \(x.rows)") }
        guard x.columns >= 1 else { throw KiteError.invalidArgument("the \(name) set needs at least one feature") }
        guard y.count == x.rows else { throw KiteError.invalidArgument("the \(name) set has \(x.rows) rows but \(y.count) labels") }
        guard y.allSatisfy(\.isFinite) else { throw KiteError.invalidArgument("the \(name) labels must be finite numbers") }
        guard !x.values.contains(where: \.isInfinite) else {
            throw KiteError.invalidArgument("the \(name) features hold an infinity; NaN marks a missing value")
        }
        switch parameters.objective {
        case .binary:
            guard y.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw KiteError.invalidArgument("binary labels must be 0 or 1") }
            guard name != "training" || (y.contains(0) && y.contains(1)) else {
                throw KiteError.invalidArgument("binary training needs both classes; the labels hold only \(Int(y[0]))")
            }
        case .multiclass:
            let classes = Double(parameters.numClass)
            if let bad = y.first(where: { $0 < 0 || $0 >= classes || $0 != $0.rounded() }) {
                throw KiteError.invalidArgument("multiclass labels must be whole numbers from 0 to \(parameters.numClass - 1), not \(bad)")
            }
        case .regression, .regressionL1, .huber:
            break
        }
        if name == "training", x.values.allSatisfy(\.isNaN) {
            throw KiteError.invalidArgument("every training feature value is missing (NaN): there is nothing to learn from")
        }
    }
}

/// Lets concurrent tasks write disjoint parts of one buffer.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
