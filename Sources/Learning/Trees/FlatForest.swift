import KiteCore

/// The trees of an ensemble packed for one-row prediction. Every node of every tree sits in one contiguous array
/// (threshold, feature, missing-value side: 16 bytes) with the children side by side in another; leaves are
/// nodes too, whose children are themselves, placed after every internal node. Trees are walked four at a time,
/// each step choosing the child by arithmetic rather than a branch, until all four walks are at leaves (at most
/// the deepest of the four's depth): four independent chains of loads keep the core busy where one tree's walk
/// would wait on memory and mispredicted branches. Built once
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
    /// Every tree's internal nodes come first, then every tree's leaves: node `n` is a leaf when `n >= firstLeaf`.
    private let firstLeaf: Int
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
        let firstLeaf = model.trees.reduce(0) { $0 + $1.feature.count }
        var nodes: [Node] = []
        var children: [Int32] = []
        var leafNodes: [Node] = []
        var leafChildren: [Int32] = []
        var values: [Double] = Array(repeating: 0, count: firstLeaf)
        var roots: [Int32] = []
        var depths: [Int] = []
        var categoryWords: [UInt32] = []
        for tree in model.trees {
            let base = nodes.count
            let leafBase = firstLeaf + leafNodes.count
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
            }
            for (leaf, value) in tree.leafValues.enumerated() {
                leafNodes.append(Node(threshold: .infinity, feature: 0, flags: 1))
                leafChildren += [Int32(leafBase + leaf), Int32(leafBase + leaf)]
                values.append(value)
            }
            roots.append(tree.feature.isEmpty ? Int32(leafBase) : Int32(base))
            depths.append(tree.depth)
        }
        self.nodes = nodes + leafNodes
        self.children = children + leafChildren
        self.values = values
        self.firstLeaf = firstLeaf
        self.roots = roots
        self.depths = depths
        self.categoryWords = categoryWords
        self.zeroes = model.trees.contains { $0.zeroAsMissing?.contains(true) == true }
        self.model = model
    }

    /// The raw score of output `output` for one example of `featureCount` values.
    func rawScore(_ features: UnsafeBufferPointer<Double>, output: Int = 0) -> Double {
        nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                if categoryWords.isEmpty && !zeroes {
                    // Thresholds alone (the common case): a step short enough to keep four walks in registers.
                    return walk(output: output) { Self.thresholdStep($0, features, 0, nodes, children) }
                }
                return categoryWords.withUnsafeBufferPointer { words in
                    walk(output: output) { Self.step($0, features, 0, nodes, children, words) }
                }
            }
        }
    }

    /// Output `output`'s raw scores of the rows of `features` (`width` values each) into `scores`, one per row:
    /// tree by tree over the rows, eight rows walking a tree at once, so one tree's nodes stay in the nearest
    /// cache. Each row's leaf values are added in tree order, as `rawScore` adds them: the same bits.
    func rawScores(rows features: UnsafeBufferPointer<Double>, width: Int, output: Int, into scores: UnsafeMutableBufferPointer<Double>) {
        nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                if categoryWords.isEmpty && !zeroes {
                    walk(rows: scores.count, width: width, output: output, into: scores) { Self.thresholdStep($0, features, $1, nodes, children) }
                } else {
                    categoryWords.withUnsafeBufferPointer { words in
                        walk(rows: scores.count, width: width, output: output, into: scores) { Self.step($0, features, $1, nodes, children, words) }
                    }
                }
            }
        }
    }

    /// The child of threshold node `node` for the row whose values start at `features[row]`.
    @inline(__always)
    private static func thresholdStep(
        _ node: Int, _ features: UnsafeBufferPointer<Double>, _ row: Int, _ nodes: UnsafeBufferPointer<Node>, _ children: UnsafeBufferPointer<Int32>
    ) -> Int {
        let current = nodes[node]
        return Int(children[node &* 2 &+ 1 &- goesLeft(current, features[row &+ Int(current.feature)])])
    }

    /// The child of any node `node` (threshold, zero-as-missing or categorical) for the row whose values start at
    /// `features[row]`.
    @inline(__always)
    private static func step(
        _ node: Int, _ features: UnsafeBufferPointer<Double>, _ row: Int, _ nodes: UnsafeBufferPointer<Node>, _ children: UnsafeBufferPointer<Int32>,
        _ words: UnsafeBufferPointer<UInt32>
    ) -> Int {
        let current = nodes[node]
        let value = features[row &+ Int(current.feature)]
        var left = goesLeft(current, value)
        if current.flags & 6 == 4, abs(value) <= DecisionTree.zeroThreshold { left = Int(current.flags & 1) }
        if current.flags & 2 != 0, value == value {
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

    /// 1 when `value` goes left at a threshold node: at most the threshold, or missing where missing values go left.
    @inline(__always)
    private static func goesLeft(_ node: Node, _ value: Double) -> Int {
        (value <= node.threshold ? 1 : 0) | ((value != value ? 1 : 0) & Int(node.flags & 1))
    }

    /// The raw score of output `output`: each of its trees walked from the root by `step` (a node to its child)
    /// until a leaf, four trees at a time, and the leaves' values added in tree order.
    @inline(__always)
    private func walk(output: Int, _ step: (Int) -> Int) -> Double {
        let (stride, single, firstLeaf) = (model.outputCount, model.isSingle, self.firstLeaf)
        var score = model.initialScores[output]
        @inline(__always) func add(_ value: Double) { score = single ? Double(Float(score) + Float(value)) : score + value }
        values.withUnsafeBufferPointer { values in
            roots.withUnsafeBufferPointer { roots in
                depths.withUnsafeBufferPointer { depths in
                    var tree = output
                    while tree + 3 * stride < roots.count {
                        var (a, b, c, d) = (Int(roots[tree]), Int(roots[tree + stride]), Int(roots[tree + 2 * stride]), Int(roots[tree + 3 * stride]))
                        let steps = Swift.max(Swift.max(depths[tree], depths[tree + stride]), Swift.max(depths[tree + 2 * stride], depths[tree + 3 * stride]))
                        for _ in 0..<steps {
                            // Most rows reach a leaf long before the deepest one: stop once all four have.
                            if Swift.min(Swift.min(a, b), Swift.min(c, d)) >= firstLeaf { break }
                            a = step(a)
                            b = step(b)
                            c = step(c)
                            d = step(d)
                        }
                        add(values[a])
                        add(values[b])
                        add(values[c])
                        add(values[d])
                        tree += 4 * stride
                    }
                    while tree < roots.count {
                        var node = Int(roots[tree])
                        for _ in 0..<depths[tree] where node < firstLeaf { node = step(node) }
                        add(values[node])
                        tree += stride
                    }
                }
            }
        }
        return score
    }

    /// Output `output`'s raw scores of `rows` rows of `width` values into `scores`: each tree walked from its root
    /// by `step` (a node and a row's first value to the child) until a leaf, for eight rows at a time (the rest one by one).
    @inline(__always)
    private func walk(rows: Int, width: Int, output: Int, into scores: UnsafeMutableBufferPointer<Double>, _ step: (Int, Int) -> Int) {
        let (stride, single, firstLeaf) = (model.outputCount, model.isSingle, self.firstLeaf)
        for row in 0..<rows { scores[row] = model.initialScores[output] }
        @inline(__always) func add(_ row: Int, _ value: Double) {
            scores[row] = single ? Double(Float(scores[row]) + Float(value)) : scores[row] + value
        }
        values.withUnsafeBufferPointer { values in
            roots.withUnsafeBufferPointer { roots in
                depths.withUnsafeBufferPointer { depths in
                    var tree = output
                    while tree < roots.count {
                        let (root, depth) = (Int(roots[tree]), depths[tree])
                        var row = 0
                        while row + 7 < rows {
                            let (ra, rb, rc, rd) = (row &* width, (row &+ 1) &* width, (row &+ 2) &* width, (row &+ 3) &* width)
                            let (re, rf, rg, rh) = ((row &+ 4) &* width, (row &+ 5) &* width, (row &+ 6) &* width, (row &+ 7) &* width)
                            var (a, b, c, d) = (root, root, root, root)
                            var (e, f, g, h) = (root, root, root, root)
                            for _ in 0..<depth {
                                if Swift.min(Swift.min(Swift.min(a, b), Swift.min(c, d)), Swift.min(Swift.min(e, f), Swift.min(g, h))) >= firstLeaf { break }
                                a = step(a, ra)
                                b = step(b, rb)
                                c = step(c, rc)
                                d = step(d, rd)
                                e = step(e, re)
                                f = step(f, rf)
                                g = step(g, rg)
                                h = step(h, rh)
                            }
                            add(row, values[a])
                            add(row + 1, values[b])
                            add(row + 2, values[c])
                            add(row + 3, values[d])
                            add(row + 4, values[e])
                            add(row + 5, values[f])
                            add(row + 6, values[g])
                            add(row + 7, values[h])
                            row += 8
                        }
                        while row < rows {
                            var node = root
                            for _ in 0..<depth where node < firstLeaf { node = step(node, row &* width) }
                            add(row, values[node])
                            row += 1
                        }
                        tree += stride
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
        if model.outputCount == 1 { return rawScoresByBlock(features) }
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
        if model.outputCount == 1 { return rawScoresByBlock(features).map(model.transform) }
        return model.rows(of: features) { model.prediction(raw: rawScores($0)) }
    }

    /// The raw score of every row of `features` for a single-output model: blocks of rows small enough for the
    /// nearest cache (`rawScores(rows:width:output:into:)`), on all cores.
    private func rawScoresByBlock(_ features: Matrix) -> [Double] {
        let width = features.columns
        var scores = [Double](repeating: 0, count: features.rows)
        scores.withUnsafeMutableBufferPointer { scores in
            features.values.withUnsafeBufferPointer { all in
                // Each chunk writes its own rows of `scores`, and only reads `all`.
                nonisolated(unsafe) let (all, scores) = (all, scores)
                Parallel.forEachChunk(features.rows, minimumChunk: 4_096) { _, range in
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let end = Swift.min(start + 128, range.upperBound)
                        rawScores(
                            rows: UnsafeBufferPointer(rebasing: all[(start * width)..<(end * width)]), width: width, output: 0,
                            into: UnsafeMutableBufferPointer(rebasing: scores[start..<end]))
                        start = end
                    }
                }
            }
        }
        return scores
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
