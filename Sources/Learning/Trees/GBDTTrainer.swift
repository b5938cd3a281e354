import Dispatch
import Foundation
import KiteCore

/// Trains gradient-boosted trees the way LightGBM does: features binned once into quantile histograms,
/// trees grown leaf-wise (always splitting the leaf with the largest gain), the larger child's histogram
/// obtained by subtracting the smaller child's from the parent's, histograms built across cores one feature per
/// task (so results do not depend on the thread count), missing values sent to the side that gains more.
public struct GBDTTrainer: Sendable {
    public let parameters: GBDTParameters
    /// Called after each round with the round (from 1) and the validation loss, if there is a validation set.
    public var onRound: (@Sendable (Int, Double?) -> Void)?

    /// A trainer with `parameters`.
    public init(parameters: GBDTParameters, onRound: (@Sendable (Int, Double?) -> Void)? = nil) {
        self.parameters = parameters
        self.onRound = onRound
    }

    /// Fits on `features` and `labels` (0/1 for binary), stopping early on `validation` if asked.
    public func fit(features: Matrix, labels: [Double], validation: (features: Matrix, labels: [Double])? = nil) throws -> GradientBoostedTrees {
        try parameters.validate()
        try check(features, labels, "training")
        if let validation {
            try check(validation.features, validation.labels, "validation")
            guard validation.features.columns == features.columns else {
                throw KiteError.invalidArgument("the validation set has \(validation.features.columns) features, training has \(features.columns)")
            }
        }
        guard parameters.earlyStoppingRounds == 0 || validation != nil else {
            throw KiteError.invalidArgument("early stopping needs a validation set")
        }
        let bins = try FeatureBins(features: features, maxBins: parameters.maxBins, seed: parameters.seed)
        var state = TrainingState(parameters: parameters, bins: bins, binned: bins.binned(features), rows: features.rows, columns: features.columns)
        let n = features.rows
        let initial: Double
        switch parameters.objective {
        case .binary:
            let rate = labels.reduce(0, +) / Double(n)
            initial = Foundation.log(rate / (1 - rate))
        case .regression:
            initial = labels.reduce(0, +) / Double(n)
        }
        var model = GradientBoostedTrees(
            objective: parameters.objective, featureCount: features.columns, initialScore: initial, trees: [],
            splitCounts: [Int](repeating: 0, count: features.columns), splitGains: [Double](repeating: 0, count: features.columns))
        var scores = [Double](repeating: initial, count: n)
        var validationScores = validation.map { [Double](repeating: initial, count: $0.features.rows) } ?? []
        var gradients = [Double](repeating: 0, count: n)
        var hessians = [Double](repeating: 0, count: n)
        var generator = SeededGenerator(seed: parameters.seed &+ 0x9E37_79B9)
        var bestLoss = Double.infinity
        var bestRound = 0
        var rows = Array(0..<n)
        for round in 1...parameters.numIterations {
            for row in 0..<n {
                switch parameters.objective {
                case .binary:
                    let p = LogisticLoss.sigmoid(scores[row])
                    gradients[row] = p - labels[row]
                    hessians[row] = Swift.max(p * (1 - p), 1e-16)
                case .regression:
                    gradients[row] = scores[row] - labels[row]
                    hessians[row] = 1
                }
            }
            if parameters.baggingFrequency > 0, parameters.baggingFraction < 1, (round - 1) % parameters.baggingFrequency == 0 {
                rows = (0..<n).filter { _ in Double.random(in: 0..<1, using: &generator) < parameters.baggingFraction }
                if rows.isEmpty { rows = [Int.random(in: 0..<n, using: &generator)] }
            }
            var allowed = Array(0..<features.columns)
            if parameters.featureFraction < 1 {
                allowed.shuffle(using: &generator)
                allowed = Array(allowed.prefix(Swift.max(1, Int((Double(features.columns) * parameters.featureFraction).rounded())))).sorted()
            }
            let (tree, nodeBins, leafRows) = state.grow(rows: rows, allowedFeatures: allowed, gradients: gradients, hessians: hessians, model: &model)
            if rows.count == n {
                // Every row is in exactly one leaf's list: no need to walk the tree.
                for (leaf, members) in leafRows.enumerated() { for row in members { scores[row] += tree.leafValues[leaf] } }
            } else {
                for row in 0..<n { scores[row] += tree.leafValues[state.leaf(ofRow: row, tree: tree, nodeBins: nodeBins)] }
            }
            model.trees.append(tree)
            var loss: Double?
            if let validation {
                validation.features.values.withUnsafeBufferPointer { all in
                    for row in 0..<validation.features.rows {
                        validationScores[row] += tree.predict(UnsafeBufferPointer(rebasing: all[row * features.columns..<(row + 1) * features.columns]))
                    }
                }
                loss = Self.loss(parameters.objective, scores: validationScores, labels: validation.labels)
            }
            onRound?(round, loss)
            if let loss, parameters.earlyStoppingRounds > 0 {
                if loss < bestLoss {
                    bestLoss = loss
                    bestRound = round
                } else if round - bestRound >= parameters.earlyStoppingRounds {
                    model.trees.removeLast(round - bestRound)
                    break
                }
            }
            if tree.feature.isEmpty, round > 1 { break }  // Nothing left to learn: every further tree would be a single leaf.
        }
        return model
    }

    /// Mean log loss (binary) or mean squared error (regression) of raw `scores`.
    static func loss(_ objective: GBDTParameters.Objective, scores: [Double], labels: [Double]) -> Double {
        var total = 0.0
        for (score, label) in zip(scores, labels) {
            switch objective {
            case .binary: total += LogisticLoss.softplus(score) - label * score
            case .regression: total += (score - label) * (score - label)
            }
        }
        return total / Double(Swift.max(1, labels.count))
    }

    func check(_ x: Matrix, _ y: [Double], _ name: String) throws {
        guard x.rows >= 2 else { throw KiteError.invalidArgument("the \(name) set needs at least two rows, not \(x.rows)") }
        guard x.columns >= 1 else { throw KiteError.invalidArgument("the \(name) set needs at least one feature") }
        guard y.count == x.rows else { throw KiteError.invalidArgument("the \(name) set has \(x.rows) rows but \(y.count) labels") }
        guard y.allSatisfy(\.isFinite) else { throw KiteError.invalidArgument("the \(name) labels must be finite numbers") }
        guard !x.values.contains(where: \.isInfinite) else { throw KiteError.invalidArgument("the \(name) features hold an infinity; NaN marks a missing value") }
        if parameters.objective == .binary {
            guard y.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw KiteError.invalidArgument("binary labels must be 0 or 1") }
            guard name != "training" || (y.contains(0) && y.contains(1)) else {
                throw KiteError.invalidArgument("binary training needs both classes; the labels hold only \(Int(y[0]))")
            }
        }
        if name == "training", x.values.allSatisfy(\.isNaN) {
            throw KiteError.invalidArgument("every training feature value is missing (NaN): there is nothing to learn from")
        }
    }
}

/// The binned data and scratch space of one training run.
struct TrainingState {
    let parameters: GBDTParameters
    let bins: FeatureBins
    /// `binned[feature * rows + row]`.
    let binned: [UInt8]
    let rows: Int
    let columns: Int
    /// Where each feature's bins start in a histogram.
    let offsets: [Int]
    let totalBins: Int

    init(parameters: GBDTParameters, bins: FeatureBins, binned: [UInt8], rows: Int, columns: Int) {
        self.parameters = parameters
        self.bins = bins
        self.binned = binned
        self.rows = rows
        self.columns = columns
        var offsets: [Int] = []
        var total = 0
        for feature in 0..<columns {
            offsets.append(total)
            total += bins.binCount(feature)
        }
        self.offsets = offsets
        totalBins = total
    }

    /// A leaf while the tree grows: its rows (a range of `order`), statistics, histogram and best split.
    struct Leaf {
        var start: Int
        var end: Int
        var depth: Int
        var gradient: Double
        var hessian: Double
        var histogram: [Double]  // gradient, hessian, count per bin
        var split: Split?
        var node: Int?  // the parent node and side this leaf hangs from, set when it was created
        var isLeft = false
    }

    struct Split {
        var feature: Int
        var bin: Int  // rows with 1 ≤ bin ≤ this go left
        var missingLeft: Bool
        var gain: Double
        var leftGradient: Double
        var leftHessian: Double
        var leftCount: Int
    }

    func leafGain(_ g: Double, _ h: Double) -> Double {
        let t = thresholded(g)
        return t * t / (h + parameters.lambdaL2)
    }

    func thresholded(_ g: Double) -> Double {
        guard parameters.lambdaL1 > 0 else { return g }
        return g > 0 ? Swift.max(0, g - parameters.lambdaL1) : Swift.min(0, g + parameters.lambdaL1)
    }

    /// Builds the histogram of `order[start..<end]`, one feature per task.
    func histogram(_ order: [Int], _ start: Int, _ end: Int, _ gradients: [Double], _ hessians: [Double], _ features: [Int]) -> [Double] {
        var histogram = [Double](repeating: 0, count: totalBins * 3)
        // The leaf's gradients and hessians gathered once, in row order, so each feature reads them sequentially.
        var orderedGradients = [Double](repeating: 0, count: end - start)
        var orderedHessians = [Double](repeating: 0, count: end - start)
        for position in start..<end {
            orderedGradients[position - start] = gradients[order[position]]
            orderedHessians[position - start] = hessians[order[position]]
        }
        histogram.withUnsafeMutableBufferPointer { out in
            binned.withUnsafeBufferPointer { binned in
                order.withUnsafeBufferPointer { order in
                    orderedGradients.withUnsafeBufferPointer { g in
                        orderedHessians.withUnsafeBufferPointer { h in
                            // Each task writes only its own feature's bins.
                            let buffers = UncheckedSendable((out, binned, order, g, h))
                            let (rows, offsets) = (self.rows, self.offsets)
                            let work: @Sendable (Int) -> Void = { index in
                                let (out, binned, order, g, h) = buffers.value
                                let feature = features[index]
                                let column = feature * rows
                                let base = offsets[feature] * 3
                                for position in start..<end {
                                    let slot = base + Int(binned[column + order[position]]) * 3
                                    let i = position - start
                                    out[slot] += g[i]
                                    out[slot + 1] += h[i]
                                    out[slot + 2] += 1
                                }
                            }
                            if (end - start) * features.count >= 50_000 {
                                DispatchQueue.concurrentPerform(iterations: features.count, execute: work)
                            } else {
                                for index in features.indices { work(index) }
                            }
                        }
                    }
                }
            }
        }
        return histogram
    }

    /// The best split of a leaf over `features`, or nil.
    func bestSplit(_ leaf: Leaf, features: [Int]) -> Split? {
        let count = leaf.end - leaf.start
        guard count >= 2 * parameters.minDataInLeaf else { return nil }
        if parameters.maxDepth > 0, leaf.depth >= parameters.maxDepth { return nil }
        let parentGain = leafGain(leaf.gradient, leaf.hessian)
        var best: Split?
        for feature in features {
            let base = offsets[feature] * 3
            let binCount = bins.binCount(feature)
            guard binCount > 2 else { continue }  // a constant feature
            let missingG = leaf.histogram[base], missingH = leaf.histogram[base + 1], missingC = Int(leaf.histogram[base + 2])
            for missingLeft in missingC > 0 ? [false, true] : [false] {
                var g = missingLeft ? missingG : 0, h = missingLeft ? missingH : 0, c = missingLeft ? missingC : 0
                for bin in 1..<(binCount - 1) {
                    let slot = base + bin * 3
                    g += leaf.histogram[slot]
                    h += leaf.histogram[slot + 1]
                    c += Int(leaf.histogram[slot + 2])
                    let rightC = count - c
                    if c < parameters.minDataInLeaf || h < parameters.minSumHessianInLeaf { continue }
                    if rightC < parameters.minDataInLeaf { break }
                    let rightH = leaf.hessian - h
                    if rightH < parameters.minSumHessianInLeaf { continue }
                    let gain = leafGain(g, h) + leafGain(leaf.gradient - g, rightH) - parentGain
                    if gain > parameters.minGainToSplit, gain > (best?.gain ?? 0) {
                        best = Split(feature: feature, bin: bin, missingLeft: missingLeft, gain: gain, leftGradient: g, leftHessian: h, leftCount: c)
                    }
                }
            }
        }
        return best
    }

    func leafValue(_ g: Double, _ h: Double) -> Double {
        -thresholded(g) / (h + parameters.lambdaL2) * parameters.learningRate
    }

    /// Grows one tree leaf-wise on `rows`; returns it with each node's split bin (for scoring binned rows) and
    /// each leaf's rows.
    mutating func grow(
        rows: [Int], allowedFeatures: [Int], gradients: [Double], hessians: [Double], model: inout GradientBoostedTrees
    ) -> (tree: DecisionTree, nodeBins: [Int], leafRows: [ArraySlice<Int>]) {
        var order = rows
        var g = 0.0, h = 0.0
        for row in rows {
            g += gradients[row]
            h += hessians[row]
        }
        var root = Leaf(start: 0, end: order.count, depth: 0, gradient: g, hessian: h,
                        histogram: histogram(order, 0, order.count, gradients, hessians, allowedFeatures))
        root.split = bestSplit(root, features: allowedFeatures)
        var leaves = [root]
        var tree = DecisionTree()
        var nodeBins: [Int] = []
        while leaves.count < parameters.numLeaves {
            var chosen: Int?
            for (index, leaf) in leaves.enumerated() where leaf.split != nil {
                if chosen == nil || leaf.split!.gain > leaves[chosen!].split!.gain { chosen = index }
            }
            guard let index = chosen, let split = leaves[index].split else { break }
            let parent = leaves[index]
            // Partition the parent's rows: left first, keeping the order within each side.
            let column = split.feature * self.rows
            var left: [Int] = [], right: [Int] = []
            left.reserveCapacity(split.leftCount)
            for position in parent.start..<parent.end {
                let row = order[position]
                let bin = Int(binned[column + row])
                if bin == 0 ? split.missingLeft : bin <= split.bin { left.append(row) } else { right.append(row) }
            }
            order.replaceSubrange(parent.start..<parent.end, with: left + right)
            let middle = parent.start + left.count
            // The new internal node.
            let node = tree.feature.count
            tree.feature.append(split.feature)
            tree.threshold.append(bins.thresholds[split.feature][split.bin - 1])
            tree.defaultLeft.append(split.missingLeft)
            tree.left.append(0)
            tree.right.append(0)
            nodeBins.append(split.bin)
            if let parentNode = parent.node {
                if parent.isLeft { tree.left[parentNode] = node } else { tree.right[parentNode] = node }
            }
            model.splitCounts[split.feature] += 1
            model.splitGains[split.feature] += split.gain
            // Children: the smaller one's histogram is built, the larger one's is the parent's minus it.
            var leftLeaf = Leaf(start: parent.start, end: middle, depth: parent.depth + 1, gradient: split.leftGradient,
                                hessian: split.leftHessian, histogram: [], node: node, isLeft: true)
            var rightLeaf = Leaf(start: middle, end: parent.end, depth: parent.depth + 1, gradient: parent.gradient - split.leftGradient,
                                 hessian: parent.hessian - split.leftHessian, histogram: [], node: node, isLeft: false)
            let smallerIsLeft = left.count <= right.count
            let small = smallerIsLeft ? leftLeaf : rightLeaf
            let built = histogram(order, small.start, small.end, gradients, hessians, allowedFeatures)
            var rest = parent.histogram
            for i in rest.indices { rest[i] -= built[i] }
            leftLeaf.histogram = smallerIsLeft ? built : rest
            rightLeaf.histogram = smallerIsLeft ? rest : built
            leftLeaf.split = bestSplit(leftLeaf, features: allowedFeatures)
            rightLeaf.split = bestSplit(rightLeaf, features: allowedFeatures)
            leaves[index] = leftLeaf
            leaves.append(rightLeaf)
        }
        // Number the leaves and point their parents at them.
        for (number, leaf) in leaves.enumerated() {
            tree.leafValues.append(leafValue(leaf.gradient, leaf.hessian))
            if let node = leaf.node {
                if leaf.isLeft { tree.left[node] = ~number } else { tree.right[node] = ~number }
            }
        }
        return (tree, nodeBins, leaves.map { order[$0.start..<$0.end] })
    }

    /// The leaf a training row falls into, found on its bins.
    func leaf(ofRow row: Int, tree: DecisionTree, nodeBins: [Int]) -> Int {
        guard !tree.feature.isEmpty else { return 0 }
        var node = 0
        while true {
            let bin = Int(binned[tree.feature[node] * rows + row])
            let goLeft = bin == 0 ? tree.defaultLeft[node] : bin <= nodeBins[node]
            let next = goLeft ? tree.left[node] : tree.right[node]
            if next < 0 { return ~next }
            node = next
        }
    }
}

/// Lets concurrent tasks write disjoint parts of one buffer.
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
