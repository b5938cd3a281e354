/// TreeSHAP with the row-independent work done once per tree (the idea of Fast TreeSHAP v2, Yang 2021): a leaf's
/// contributions depend on the row only through which of its path's features the row agrees with — a pattern of k
/// bits for the k distinct features on the path. For every leaf and every pattern the contributions are computed
/// ahead with TreeSHAP's own path operations; explaining a row then takes each node's decision once, each leaf's
/// pattern from its path, and k additions. Built only for trees whose tables stay small (`limit`).
struct LeafPatterns {
    /// One step of a leaf's path: the node, the side taken, and which of the leaf's distinct features it tests.
    struct Step {
        var node: Int32
        var left: Bool
        var feature: UInt8
    }

    private var steps: [Step] = []
    /// Per leaf, its steps in `steps`.
    private var stepRanges: [Range<Int>] = []
    /// Per leaf, its distinct features in `features` (k of them).
    private var featureRanges: [Range<Int>] = []
    private var features: [Int] = []
    /// Per leaf, 2^k × k contributions from `weightStarts[leaf]`: pattern p's at `p × k`.
    private var weightStarts: [Int] = []
    private var weights: [Double] = []

    /// The values tabulated.
    var count: Int { weights.count }

    /// The tables of `tree`, or nil when they would hold more than `limit` values.
    init?(_ tree: TreeSHAP, limit: Int) {
        guard !tree.nodes.isEmpty else { return nil }
        let inverse = (0...tree.depth + 2).map { $0 == 0 ? 0 : 1 / Double($0) }
        var path: [(node: Int, left: Bool)] = []
        var leaves: [(leaf: Int, path: [(node: Int, left: Bool)])] = []
        func visit(_ reference: Int) {
            if reference < 0 {
                leaves.append((~reference, path))
                return
            }
            for left in [true, false] {
                path.append((reference, left))
                visit(left ? tree.nodes[reference].left : tree.nodes[reference].right)
                path.removeLast()
            }
        }
        visit(0)
        var size = 0
        for (_, path) in leaves {
            let distinct = Set(path.map { tree.nodes[$0.node].feature }).count
            guard distinct < 24 else { return nil }
            size += (1 << distinct) * distinct
            guard size <= limit else { return nil }
        }
        stepRanges = Array(repeating: 0..<0, count: tree.leafValues.count)
        featureRanges = stepRanges
        weightStarts = Array(repeating: 0, count: tree.leafValues.count)
        weights.reserveCapacity(size)
        var elements = [TreeSHAP.PathElement](repeating: TreeSHAP.PathElement(), count: 32)
        for (leaf, path) in leaves {
            // Distinct features in the order of their last test on the path (as the recursion leaves them), and
            // each one's share of covers: the product of its tests' child/parent cover ratios.
            var order: [Int] = []
            var zero: [Int: Double] = [:]
            for (node, left) in path {
                let split = tree.nodes[node]
                order.removeAll { $0 == split.feature }
                order.append(split.feature)
                zero[split.feature, default: 1] *= (left ? split.leftCover : split.rightCover) / split.cover
            }
            let k = order.count
            let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
            let firstStep = steps.count
            for (node, left) in path { steps.append(Step(node: Int32(node), left: left, feature: UInt8(position[tree.nodes[node].feature] ?? 0))) }
            stepRanges[leaf] = firstStep..<steps.count
            featureRanges[leaf] = features.count..<features.count + k
            features += order
            weightStarts[leaf] = weights.count
            let value = tree.leafValues[leaf]
            inverse.withUnsafeBufferPointer { inverse in
                elements.withUnsafeMutableBufferPointer { buffer in
                    guard let base = buffer.baseAddress, let inverse = inverse.baseAddress else { return }
                    for pattern in 0..<(1 << k) {
                        TreeSHAP.extend(base, depth: 0, zero: 1, one: 1, feature: -1, inverse: inverse)
                        for (index, feature) in order.enumerated() {
                            TreeSHAP.extend(
                                base, depth: index + 1, zero: zero[feature] ?? 1, one: pattern >> index & 1 == 1 ? 1 : 0, feature: feature, inverse: inverse)
                        }
                        for index in 1...Swift.max(1, k) where k > 0 {
                            let element = base[index]
                            let unwound = TreeSHAP.unwoundSum(base, depth: k, index: index, inverse: inverse)
                            weights.append(unwound * (element.one - element.zero) * value)
                        }
                    }
                }
            }
        }
    }

    /// Adds the row's contributions to `phi`; `decisions` must hold room for every node's decision. First every
    /// leaf's pattern, then the additions: the table reads of different leaves are independent, so their cache
    /// misses overlap.
    func explain(_ tree: TreeSHAP.Tables, decisions: UnsafeMutablePointer<Bool>) {
        for node in tree.nodes.indices { decisions[node] = tree.goesLeft(tree.nodes[node]) }
        let leaves = stepRanges.count
        steps.withUnsafeBufferPointer { steps in
            weights.withUnsafeBufferPointer { weights in
                features.withUnsafeBufferPointer { features in
                    stepRanges.withUnsafeBufferPointer { stepRanges in
                        featureRanges.withUnsafeBufferPointer { featureRanges in
                            weightStarts.withUnsafeBufferPointer { weightStarts in
                                withUnsafeTemporaryAllocation(of: Int.self, capacity: leaves) { bases in
                                    for leaf in 0..<leaves {
                                        let k = featureRanges[leaf].count
                                        var pattern = (1 << k) &- 1
                                        for index in stepRanges[leaf] {
                                            let step = steps[index]
                                            // Without a branch: whether the row agrees is as good as random.
                                            let disagrees = decisions[Int(step.node)] != step.left ? 1 : 0
                                            pattern &= ~(disagrees &<< Int(step.feature))
                                        }
                                        bases[leaf] = weightStarts[leaf] &+ pattern &* k
                                    }
                                    for leaf in 0..<leaves {
                                        let range = featureRanges[leaf]
                                        var weight = bases[leaf]
                                        for index in range {
                                            tree.phi[features[index]] += weights[weight]
                                            weight &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
