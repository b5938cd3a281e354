/// TreeSHAP in single precision, operation for operation as XGBoost's `pred_contribs` computes it (its
/// `cpu_treeshap.cc`: `Float` path weights, divisions where it divides, each tree's contributions summed in
/// `Float` before they are added to the row's), so an imported XGBoost model (`.single` arithmetic) explains with
/// XGBoost's own values. The expected value is XGBoost's too: each node's mean, its children's means weighted by
/// their hessian sums, in `Float`.
struct SingleTreeSHAP {
    struct PathElement {
        var feature = -1
        var zero: Float = 0
        var one: Float = 0
        var weight: Float = 0
    }

    let tree: DecisionTree
    let nodeCover: [Float]
    let leafCover: [Float]
    let leafValues: [Float]
    /// The mean of the leaves below the root, as XGBoost's `FillNodeMeanValues` computes it.
    let expectedValue: Float
    /// The path buffer's size.
    let pathCapacity: Int
    /// Steps from the root to the deepest leaf.
    let depth: Int

    /// The explainer of `tree`, which must carry covers.
    init?(_ tree: DecisionTree) {
        guard let nodeCover = tree.nodeCover, let leafCover = tree.leafCover else { return nil }
        self.tree = tree
        self.nodeCover = nodeCover.map(Float.init)
        self.leafCover = leafCover.map(Float.init)
        leafValues = tree.leafValues.map(Float.init)
        depth = tree.depth
        let size = depth + 2
        pathCapacity = size * (size + 1) / 2 + size
        // Children come after their parents: one pass from the last node gives every node's mean.
        let (values, nodes, leaves) = (leafValues, self.nodeCover, self.leafCover)
        var means = [Float](repeating: 0, count: tree.feature.count)
        func mean(_ reference: Int) -> Float { reference < 0 ? values[~reference] : means[reference] }
        func cover(_ reference: Int) -> Float { reference < 0 ? leaves[~reference] : nodes[reference] }
        for node in tree.feature.indices.reversed() {
            var result = mean(tree.left[node]) * cover(tree.left[node])
            result += mean(tree.right[node]) * cover(tree.right[node])
            result /= nodes[node]
            means[node] = result
        }
        expectedValue = tree.feature.isEmpty ? values[0] : means[0]
    }

    private func cover(_ reference: Int) -> Float { reference < 0 ? leafCover[~reference] : nodeCover[reference] }

    /// Adds the tree's contributions of a row to `phi` (one `Float` per feature, zeroed by the caller).
    func explain(_ features: UnsafeBufferPointer<Double>, into phi: UnsafeMutablePointer<Float>, path: UnsafeMutablePointer<PathElement>) {
        recurse(features, phi, node: tree.feature.isEmpty ? ~0 : 0, parent: path, depth: 0, zero: 1, one: 1, feature: -1)
    }

    private func recurse(
        _ features: UnsafeBufferPointer<Double>, _ phi: UnsafeMutablePointer<Float>, node: Int, parent: UnsafeMutablePointer<PathElement>,
        depth: Int, zero: Float, one: Float, feature: Int
    ) {
        var depth = depth
        let path = parent + depth + 1
        path.update(from: parent, count: depth + 1)
        Self.extend(path, depth: depth, zero: zero, one: one, feature: feature)
        if node < 0 {
            let value = leafValues[~node]
            guard depth >= 1 else { return }
            for index in 1...depth {
                let weight = Self.unwoundSum(path, depth: depth, index: index)
                let element = path[index]
                phi[element.feature] += weight * (element.one - element.zero) * value
            }
            return
        }
        let split = tree.feature[node]
        let hot = tree.goesLeft(features[split], at: node) ? tree.left[node] : tree.right[node]
        let cold = hot == tree.left[node] ? tree.right[node] : tree.left[node]
        let weight = nodeCover[node]
        let hotZero = cover(hot) / weight
        let coldZero = cover(cold) / weight
        var incomingZero: Float = 1
        var incomingOne: Float = 1
        var index = 0
        while index <= depth, path[index].feature != split { index += 1 }
        if index != depth + 1 {
            incomingZero = path[index].zero
            incomingOne = path[index].one
            Self.unwind(path, depth: depth, index: index)
            depth -= 1
        }
        recurse(features, phi, node: hot, parent: path, depth: depth + 1, zero: hotZero * incomingZero, one: incomingOne, feature: split)
        recurse(features, phi, node: cold, parent: path, depth: depth + 1, zero: coldZero * incomingZero, one: 0, feature: split)
    }

    private static func extend(_ path: UnsafeMutablePointer<PathElement>, depth: Int, zero: Float, one: Float, feature: Int) {
        path[depth] = PathElement(feature: feature, zero: zero, one: one, weight: depth == 0 ? 1 : 0)
        let size = Float(depth + 1)
        for i in stride(from: depth - 1, through: 0, by: -1) {
            path[i + 1].weight += one * path[i].weight * Float(i + 1) / size
            path[i].weight = zero * path[i].weight * Float(depth - i) / size
        }
    }

    private static func unwind(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int) {
        let one = path[index].one
        let zero = path[index].zero
        var next = path[depth].weight
        let size = Float(depth + 1)
        for i in stride(from: depth - 1, through: 0, by: -1) {
            if one != 0 {
                let saved = path[i].weight
                path[i].weight = next * size / (Float(i + 1) * one)
                next = saved - path[i].weight * zero * Float(depth - i) / size
            } else {
                path[i].weight = (path[i].weight * size) / (zero * Float(depth - i))
            }
        }
        for i in index..<depth {
            path[i].feature = path[i + 1].feature
            path[i].zero = path[i + 1].zero
            path[i].one = path[i + 1].one
        }
    }

    private static func unwoundSum(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int) -> Float {
        let one = path[index].one
        let zero = path[index].zero
        var next = path[depth].weight
        var total: Float = 0
        let size = Float(depth + 1)
        for i in stride(from: depth - 1, through: 0, by: -1) {
            if one != 0 {
                let share = next * size / (Float(i + 1) * one)
                total += share
                next = path[i].weight - share * zero * (Float(depth - i) / size)
            } else if zero != 0 {
                total += (path[i].weight / zero) / (Float(depth - i) / size)
            }
        }
        return total
    }
}
