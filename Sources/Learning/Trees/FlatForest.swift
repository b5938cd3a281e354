import KiteCore

/// The trees of an ensemble packed for one-row prediction. Every node of every tree sits in one contiguous array
/// (threshold, feature, missing-value side: 16 bytes) with the children side by side in another; leaves are
/// nodes too, whose children are themselves. Trees are walked four at a time, a fixed number of steps (the
/// deepest of the four), each step choosing the child by arithmetic rather than a branch: four independent chains
/// of loads keep the core busy where one tree's walk would wait on memory and mispredicted branches. Built once
/// from a model (`GradientBoostedTrees.predictor()`); scores are added in tree order, in the model's arithmetic, so
/// they equal the model's bit for bit. A categorical node keeps its bitset's offset into `categoryWords` as its
/// threshold; only a model with such nodes pays for the test.
public struct FlatForest: Sendable {
    struct Node {
        /// The threshold, or a categorical node's first word in `categoryWords`.
        var threshold: Double
        var feature: Int32
        /// Bit 0: missing values go left. Bit 1: a categorical node, whose bitset has `flags >> 2` words. Bit 2 of
        /// a threshold node: zero is missing too (`DecisionTree.zeroAsMissing`).
        var flags: Int32
    }

    private let nodes: [Node]
    /// Node `n`'s left child at `2n`, right at `2n + 1`; a leaf's children are itself.
    private let children: [Int32]
    /// The value of each leaf node (0 for the others).
    private let values: [Double]
    /// Each tree's root node and depth (steps from the root to its deepest leaf).
    private let roots: [Int32]
    private let depths: [Int]
    /// The bitsets of every categorical node, one after another.
    private let categoryWords: [UInt32]
    /// Whether some node treats zero as missing.
    private let zeroes: Bool
    let model: GradientBoostedTrees

    /// Packs `model`'s trees, first checking them (`GradientBoostedTrees.validate()`): the walk reads without
    /// bounds checks, so a damaged model is refused here.
    public init(_ model: GradientBoostedTrees) throws {
        try model.validate()
        let total = model.trees.reduce(0) { $0 + $1.feature.count + $1.leafValues.count }
        guard total < Int(Int32.max) / 2 else { throw KiteError.unsupported("the model has \(total) tree nodes; the predictor packs at most \(Int32.max / 2)") }
        var nodes: [Node] = []
        var children: [Int32] = []
        var values: [Double] = []
        var roots: [Int32] = []
        var depths: [Int] = []
        var categoryWords: [UInt32] = []
        for tree in model.trees {
            let base = nodes.count
            let leafBase = base + tree.feature.count
            func index(_ reference: Int) -> Int32 { Int32(reference < 0 ? leafBase + ~reference : base + reference) }
            for node in tree.feature.indices {
                var packed = Node(threshold: tree.threshold[node], feature: Int32(tree.feature[node]), flags: tree.defaultLeft[node] ? 1 : 0)
                if tree.zeroAsMissing?[node] == true { packed.flags |= 4 }
                if let set = tree.categories?[node], !set.isEmpty {
                    packed.threshold = Double(categoryWords.count)
                    packed.flags |= 2 | Int32(set.count) << 2
                    categoryWords += set
                }
                nodes.append(packed)
                children += [index(tree.left[node]), index(tree.right[node])]
                values.append(0)
            }
            for (leaf, value) in tree.leafValues.enumerated() {
                nodes.append(Node(threshold: .infinity, feature: 0, flags: 1))
                children += [Int32(leafBase + leaf), Int32(leafBase + leaf)]
                values.append(value)
            }
            roots.append(Int32(base))
            depths.append(tree.depth)
        }
        self.nodes = nodes
        self.children = children
        self.values = values
        self.roots = roots
        self.depths = depths
        self.categoryWords = categoryWords
        self.zeroes = model.trees.contains { $0.zeroAsMissing?.contains(true) == true }
        self.model = model
    }

    /// The raw score of output `output` for one example of `featureCount` values.
    func rawScore(_ features: UnsafeBufferPointer<Double>, output: Int = 0) -> Double {
        let stride = model.outputCount
        let categorical = !categoryWords.isEmpty
        let zeroes = self.zeroes
        let single = model.isSingle
        return nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                values.withUnsafeBufferPointer { values in
                    categoryWords.withUnsafeBufferPointer { words in
                        @inline(__always) func step(_ node: Int) -> Int {
                            let current = nodes[node]
                            let value = features[Int(current.feature)]
                            // Left when value ≤ threshold, or when it is missing and missing values go left.
                            var left = (value <= current.threshold ? 1 : 0) | ((value != value ? 1 : 0) & Int(current.flags & 1))
                            if zeroes, current.flags & 6 == 4, abs(value) <= DecisionTree.zeroThreshold { left = Int(current.flags & 1) }
                            if categorical, current.flags & 2 != 0, value == value {
                                // DecisionTree.inCategories over this node's words.
                                let count = Int(current.flags >> 2)
                                left = 0
                                if value > -1, value < Double(count &* 32) {
                                    let category = Int(value)
                                    left = Int(words[Int(current.threshold) &+ category >> 5] >> UInt32(category & 31) & 1)
                                }
                            }
                            return Int(children[node &* 2 &+ 1 &- left])
                        }
                        @inline(__always) func add(_ score: inout Double, _ value: Double) {
                            score = single ? Double(Float(score) + Float(value)) : score + value
                        }
                        var score = model.initialScores[output]
                        var tree = output
                        while tree + 3 * stride < roots.count {
                            var (a, b, c, d) = (Int(roots[tree]), Int(roots[tree + stride]), Int(roots[tree + 2 * stride]), Int(roots[tree + 3 * stride]))
                            let steps = Swift.max(
                                Swift.max(depths[tree], depths[tree + stride]), Swift.max(depths[tree + 2 * stride], depths[tree + 3 * stride]))
                            for _ in 0..<steps {
                                a = step(a)
                                b = step(b)
                                c = step(c)
                                d = step(d)
                            }
                            add(&score, values[a])
                            add(&score, values[b])
                            add(&score, values[c])
                            add(&score, values[d])
                            tree += 4 * stride
                        }
                        while tree < roots.count {
                            var node = Int(roots[tree])
                            for _ in 0..<depths[tree] { node = step(node) }
                            add(&score, values[node])
                            tree += stride
                        }
                        return score
                    }
                }
            }
        }
    }

    /// Every output's raw score for one example.
    func rawScores(_ features: UnsafeBufferPointer<Double>) -> [Double] {
        (0..<model.outputCount).map { rawScore(features, output: $0) }
    }

    /// The raw scores of one example, as `GradientBoostedTrees.rawScores(_:)` gives them.
    public func rawScores(_ features: [Double]) throws -> [Double] {
        try model.check(features.count)
        return features.withUnsafeBufferPointer { rawScores($0) }
    }

    /// The raw scores of every row of `features`, `outputCount` per row, row after row.
    public func rawScores(_ features: Matrix) throws -> [Double] {
        try model.check(features.columns)
        return model.rows(of: features) { rawScores($0) }.flatMap { $0 }
    }

    /// The prediction for one example, as `GradientBoostedTrees.predict(_:)` gives it.
    public func predict(_ features: [Double]) throws -> Double {
        guard features.count == model.featureCount else { return try model.predict(features) }  // the model's error
        return features.withUnsafeBufferPointer { row in
            model.outputCount == 1 ? model.transform(rawScore(row)) : model.prediction(raw: rawScores(row))
        }
    }

    /// Predictions for every row of `features`, as `GradientBoostedTrees.predict(_:)` gives them for each.
    public func predict(_ features: Matrix) throws -> [Double] {
        try model.check(features.columns)
        if model.outputCount == 1 { return model.rows(of: features) { model.transform(rawScore($0)) } }
        return model.rows(of: features) { model.prediction(raw: rawScores($0)) }
    }

    /// Class probabilities for every row of `features`: one array per row.
    public func probabilities(_ features: Matrix) throws -> [[Double]] {
        try model.check(features.columns)
        return model.rows(of: features) { model.probabilities(raw: rawScores($0)) }
    }

    /// Class probabilities for one example, as `GradientBoostedTrees.probabilities(_:)` gives them.
    public func probabilities(_ features: [Double]) throws -> [Double] {
        guard features.count == model.featureCount else { return try model.probabilities(features) }
        return features.withUnsafeBufferPointer { model.probabilities(raw: rawScores($0)) }
    }
}

extension GradientBoostedTrees {
    /// The trees packed for fast one-row prediction.
    public func predictor() throws -> FlatForest { try FlatForest(self) }
}
