/// Exact path-dependent TreeSHAP (Lundberg et al., "From local explanations to global understanding with
/// explainable AI for trees", 2020, algorithm 2), in the order LightGBM's `pred_contrib` computes it: each
/// feature's Shapley value of one tree's output, where a feature left out follows both children in proportion to
/// their covers. The values of a row add up to its leaf's value minus the tree's expected value.
struct TreeSHAP {
    /// One feature on the path from the root: the share of covers that reach here without it (`zero`), whether
    /// the row itself follows this path (`one`), and the permutation weight.
    struct PathElement {
        var feature = -1
        var zero = 0.0
        var one = 0.0
        var weight = 0.0
    }

    /// A node as the recursion reads it: its split and the covers of both children.
    struct Node {
        var feature: Int
        var left: Int
        var right: Int
        var threshold: Double
        var defaultLeft: Bool
        /// Zero is missing too (`DecisionTree.zeroAsMissing`).
        var zeroMissing: Bool
        /// The node's categories in `categoryWords` (empty for a threshold split).
        var categories: Range<Int>
        var cover: Double
        var leftCover: Double
        var rightCover: Double
    }

    let nodes: [Node]
    let leafValues: [Double]
    let categoryWords: [UInt32]
    /// Steps from the root to the deepest leaf.
    let depth: Int
    /// The cover-weighted mean of the leaf values.
    let expectedValue: Double
    /// The leaves' contributions per pattern, when the tree is small enough to tabulate them.
    var patterns: LeafPatterns?

    /// The explainer of `tree`, which must carry covers (a tree trained or imported before explanations does not).
    init?(_ tree: DecisionTree) {
        guard let nodeCover = tree.nodeCover, let leafCover = tree.leafCover else { return nil }
        func cover(_ reference: Int) -> Double { reference < 0 ? leafCover[~reference] : nodeCover[reference] }
        var nodes: [Node] = []
        var words: [UInt32] = []
        for node in tree.feature.indices {
            let set = tree.categories?[node] ?? []
            nodes.append(
                Node(
                    feature: tree.feature[node], left: tree.left[node], right: tree.right[node], threshold: tree.threshold[node],
                    defaultLeft: tree.defaultLeft[node], zeroMissing: tree.zeroAsMissing?[node] ?? false, categories: words.count..<words.count + set.count,
                    cover: nodeCover[node],
                    leftCover: cover(tree.left[node]), rightCover: cover(tree.right[node])))
            words += set
        }
        self.nodes = nodes
        self.leafValues = tree.leafValues
        self.categoryWords = words
        depth = tree.depth
        if tree.feature.isEmpty {
            expectedValue = tree.leafValues[0]
        } else {
            let total = nodeCover[0]
            var sum = 0.0
            for (leaf, value) in tree.leafValues.enumerated() { sum += leafCover[leaf] / total * value }
            expectedValue = sum
        }
    }

    /// The path buffer's size for this tree: a copy of the path per level.
    var pathCapacity: Int { (depth + 1) * (depth + 2) / 2 + 1 }

    /// Adds the row's contributions to `phi` (one entry per feature); `path` must hold `pathCapacity` elements and
    /// `inverse[k]` be 1/k for k ≤ `depth` + 1.
    func explain(
        _ features: UnsafeBufferPointer<Double>, into phi: UnsafeMutablePointer<Double>, path: UnsafeMutablePointer<PathElement>,
        inverse: UnsafePointer<Double>
    ) {
        guard !nodes.isEmpty else { return }
        nodes.withUnsafeBufferPointer { nodes in
            leafValues.withUnsafeBufferPointer { leafValues in
                categoryWords.withUnsafeBufferPointer { words in
                    let tables = Tables(nodes: nodes, leafValues: leafValues, words: words, features: features, phi: phi, inverse: inverse)
                    if let patterns {
                        withUnsafeTemporaryAllocation(of: Bool.self, capacity: nodes.count) { decisions in
                            guard let decisions = decisions.baseAddress else { return }
                            patterns.explain(tables, decisions: decisions)
                        }
                    } else {
                        Self.recurse(tables, node: 0, path: path, depth: 0, zero: 1, one: 1, feature: -1)
                    }
                }
            }
        }
    }

    /// What one row's explanation reads and writes.
    struct Tables {
        let nodes: UnsafeBufferPointer<Node>
        let leafValues: UnsafeBufferPointer<Double>
        let words: UnsafeBufferPointer<UInt32>
        let features: UnsafeBufferPointer<Double>
        let phi: UnsafeMutablePointer<Double>
        /// 1/k for k up to the tree's depth + 1.
        let inverse: UnsafePointer<Double>

        /// Whether `node` sends the row left: `DecisionTree.goesLeft(_:at:)`.
        @inline(__always)
        func goesLeft(_ node: Node) -> Bool {
            let value = features[node.feature]
            if value.isNaN || node.zeroMissing && abs(value) <= DecisionTree.zeroThreshold { return node.defaultLeft }
            if node.categories.isEmpty { return value <= node.threshold }
            guard value > -1, value < Double(node.categories.count &* 32) else { return false }
            let category = Int(value)
            return words[node.categories.lowerBound + category >> 5] >> UInt32(category & 31) & 1 == 1
        }
    }

    private static func recurse(
        _ tables: Tables, node: Int, path parent: UnsafeMutablePointer<PathElement>, depth: Int, zero: Double, one: Double, feature: Int
    ) {
        let path = parent + depth
        if depth > 0 { path.update(from: parent, count: depth) }
        extend(path, depth: depth, zero: zero, one: one, feature: feature, inverse: tables.inverse)
        if node < 0 {
            let value = tables.leafValues[~node]
            // For an element the row does not follow (one = 0) the unwound sum is (size / zero) · Σ wᵢ / (depth − i),
            // whose sum is the same for every such element: computed once.
            var coldSum: Double?
            for index in stride(from: 1, through: depth, by: 1) {
                let element = path[index]
                let weight: Double
                if element.one == 0 {
                    let sum = coldSum ?? unwoundColdSum(path, depth: depth, inverse: tables.inverse)
                    coldSum = sum
                    weight = sum * Double(depth + 1) / element.zero
                } else {
                    weight = unwoundSum(path, depth: depth, index: index, inverse: tables.inverse)
                }
                tables.phi[element.feature] += weight * (element.one - element.zero) * value
            }
            return
        }
        let current = tables.nodes[node]
        let split = current.feature
        let left = tables.goesLeft(current)
        let (hot, cold) = left ? (current.left, current.right) : (current.right, current.left)
        let hotZero = (left ? current.leftCover : current.rightCover) / current.cover
        let coldZero = (left ? current.rightCover : current.leftCover) / current.cover
        var incomingZero = 1.0
        var incomingOne = 1.0
        var depth = depth
        // A feature already on the path is taken off and put back at this node.
        var index = 0
        while index <= depth, path[index].feature != split { index += 1 }
        if index != depth + 1 {
            incomingZero = path[index].zero
            incomingOne = path[index].one
            unwind(path, depth: depth, index: index, inverse: tables.inverse)
            depth -= 1
        }
        recurse(tables, node: hot, path: path, depth: depth + 1, zero: hotZero * incomingZero, one: incomingOne, feature: split)
        recurse(tables, node: cold, path: path, depth: depth + 1, zero: coldZero * incomingZero, one: 0, feature: split)
    }

    // The three path operations of the paper, with each division by a small integer k made a multiplication by
    // `inverse[k]` (1/k) and each division by `zero` hoisted: they run D² times per leaf. A path element's `one`
    // is always 0 or 1 (the row follows this branch, or not).

    static func extend(
        _ path: UnsafeMutablePointer<PathElement>, depth: Int, zero: Double, one: Double, feature: Int, inverse: UnsafePointer<Double>
    ) {
        path[depth] = PathElement(feature: feature, zero: zero, one: one, weight: depth == 0 ? 1 : 0)
        let share = inverse[depth + 1]
        for i in stride(from: depth - 1, through: 0, by: -1) {
            path[i + 1].weight += one * path[i].weight * Double(i + 1) * share
            path[i].weight = zero * path[i].weight * Double(depth - i) * share
        }
    }

    private static func unwind(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int, inverse: UnsafePointer<Double>) {
        let one = path[index].one
        let zero = path[index].zero
        var next = path[depth].weight
        let size = Double(depth + 1)
        let share = inverse[depth + 1]
        if one != 0 {
            for i in stride(from: depth - 1, through: 0, by: -1) {
                let saved = path[i].weight
                path[i].weight = next * size * inverse[i + 1]
                next = saved - path[i].weight * zero * Double(depth - i) * share
            }
        } else {
            let scale = size / zero
            for i in stride(from: depth - 1, through: 0, by: -1) { path[i].weight = path[i].weight * scale * inverse[depth - i] }
        }
        for i in index..<depth {
            path[i].feature = path[i + 1].feature
            path[i].zero = path[i + 1].zero
            path[i].one = path[i + 1].one
        }
    }

    /// Σ wᵢ / (depth − i) over the path: the part of an unwound sum for `one` = 0 that does not depend on the element.
    private static func unwoundColdSum(_ path: UnsafeMutablePointer<PathElement>, depth: Int, inverse: UnsafePointer<Double>) -> Double {
        var total = 0.0
        for i in stride(from: depth - 1, through: 0, by: -1) { total += path[i].weight * inverse[depth - i] }
        return total
    }

    static func unwoundSum(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int, inverse: UnsafePointer<Double>) -> Double {
        let one = path[index].one
        let zero = path[index].zero
        var total = 0.0
        let size = Double(depth + 1)
        if one != 0 {
            var next = path[depth].weight
            let share = zero * inverse[depth + 1]
            for i in stride(from: depth - 1, through: 0, by: -1) {
                let part = next * size * inverse[i + 1]
                total += part
                next = path[i].weight - part * Double(depth - i) * share
            }
        } else {
            for i in stride(from: depth - 1, through: 0, by: -1) { total += path[i].weight * inverse[depth - i] }
            total *= size / zero
        }
        return total
    }
}
