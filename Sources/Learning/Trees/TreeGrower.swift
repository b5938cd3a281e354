import Dispatch
import KiteCore

/// The binned training data and scratch space of one training run; grows one tree at a time the way LightGBM
/// does: leaf-wise (always splitting the leaf with the largest gain), each leaf owning a contiguous range of
/// `order`, the smaller child's histogram built and the larger one's obtained by subtracting it from the
/// parent's, histograms built one feature per task (so they do not depend on the thread count) and rows
/// partitioned on all cores.
struct TreeGrower {
    let parameters: GBDTParameters
    let bins: FeatureBins
    /// `binned[feature * rows + row]`.
    let binned: [UInt8]
    let rows: Int
    /// Where each feature's bins start in a histogram.
    let offsets: [Int]
    let totalBins: Int
    /// The rows the next tree learns from, ascending: all of them, or the current bag.
    private var active: [UInt32]
    /// The active rows by position while a tree grows: each leaf owns a contiguous range, its rows ascending so
    /// that reading their bins moves forward through memory.
    private(set) var order: [UInt32]
    private var scratch: [UInt32]

    /// Bins `features` (as `FeatureBins` picks them) and prepares to grow trees on them.
    init(parameters: GBDTParameters, features: Matrix) throws {
        guard features.rows < Int(UInt32.max) else { throw KiteError.invalidArgument("training is limited to \(UInt32.max - 1) rows") }
        self.parameters = parameters
        bins = try FeatureBins(features: features, maxBins: parameters.maxBins, seed: parameters.seed, categorical: parameters.categoricalFeatures)
        binned = bins.binned(features)
        rows = features.rows
        var offsets: [Int] = []
        var total = 0
        for feature in 0..<features.columns {
            offsets.append(total)
            total += bins.binCount(feature)
        }
        self.offsets = offsets
        totalBins = total
        active = (0..<UInt32(rows)).map { $0 }
        order = active
        scratch = active
    }

    /// Makes the next trees learn from a random `fraction` of the rows.
    mutating func bag(fraction: Double, using generator: inout SeededGenerator) {
        active = (0..<UInt32(rows)).filter { _ in Double.random(in: 0..<1, using: &generator) < fraction }
        if active.isEmpty { active = [UInt32(Int.random(in: 0..<rows, using: &generator))] }
    }

    /// A leaf while the tree grows: its rows (a range of `order`), statistics, histogram and best split.
    struct Leaf {
        var start: Int
        var end: Int
        var depth: Int
        var gradient: Double
        var hessian: Double
        /// (gradient, hessian) sums per bin.
        var histogram: [SIMD2<Double>]
        var split: Split?
        /// The parent node and side this leaf hangs from.
        var node: Int?
        var isLeft = false
        /// The extra L2 regularization of this leaf's output: `cat_l2` when a many-vs-many categorical split made it.
        var extraL2 = 0.0

        var count: Int { end - start }
    }

    struct Split {
        var feature: Int
        /// Rows with 1 ≤ bin ≤ this go left.
        var bin: Int
        var missingLeft: Bool
        var gain: Double
        var leftGradient: Double
        var leftHessian: Double
        /// A categorical split's bins that go left (a 256-bit set: bin b is bit b % 64 of word b / 64); empty for
        /// a threshold split. The missing bin 0 always goes right.
        var categoryBins: [UInt64] = []
        /// The extra L2 regularization the split's gain used (`cat_l2` for many-vs-many categorical splits), which
        /// its children's outputs use too, as LightGBM's do.
        var extraL2 = 0.0

        /// Whether a row in `bin` goes left.
        @inline(__always)
        func sendsLeft(_ bin: Int) -> Bool {
            if categoryBins.isEmpty { return bin == 0 ? missingLeft : bin <= self.bin }
            return categoryBins[bin >> 6] >> UInt64(bin & 63) & 1 == 1
        }
    }

    /// Grows one tree on the active rows, given each row's (gradient, hessian); returns it with each node's
    /// split (for walking binned rows) and each leaf's range of `order`.
    mutating func grow(
        gradients: UnsafeBufferPointer<SIMD2<Double>>, allowedFeatures: [Int], model: inout GradientBoostedTrees
    ) -> (tree: DecisionTree, nodeSplits: [Split], leafRanges: [Range<Int>]) {
        let activeRows = active.count
        order.withUnsafeMutableBufferPointer { order in
            active.withUnsafeBufferPointer { active in
                if let target = order.baseAddress, let source = active.baseAddress { target.update(from: source, count: activeRows) }
            }
        }
        let total = sum(gradients, 0..<activeRows)
        var root = Leaf(
            start: 0, end: activeRows, depth: 0, gradient: total.x, hessian: total.y,
            histogram: histogram(0..<activeRows, gradients, allowedFeatures))
        root.split = bestSplit(root, features: allowedFeatures)
        var leaves = [root]
        var tree = DecisionTree()
        tree.nodeCover = []
        var nodeSplits: [Split] = []
        var categorySets: [[UInt32]] = []
        while leaves.count < parameters.numLeaves {
            var chosen: Int?
            for (index, leaf) in leaves.enumerated() {
                guard let gain = leaf.split?.gain else { continue }
                if let best = chosen, let bestGain = leaves[best].split?.gain, bestGain >= gain { continue }
                chosen = index
            }
            guard let index = chosen, let split = leaves[index].split else { break }
            let parent = leaves[index]
            let middle = partition(parent.start..<parent.end, split)
            let node = tree.feature.count
            tree.feature.append(split.feature)
            if split.categoryBins.isEmpty {
                tree.threshold.append(bins.thresholds[split.feature][split.bin - 1])
                categorySets.append([])
            } else {
                // Category c is bin c + 1.
                var words = [UInt32](repeating: 0, count: (bins.binCount(split.feature) - 1 + 31) / 32)
                for bin in 1..<bins.binCount(split.feature) where split.sendsLeft(bin) { words[(bin - 1) >> 5] |= 1 << UInt32((bin - 1) & 31) }
                tree.threshold.append(0)
                categorySets.append(words)
            }
            tree.defaultLeft.append(split.missingLeft)
            tree.nodeCover?.append(Double(parent.count))
            tree.left.append(0)
            tree.right.append(0)
            nodeSplits.append(split)
            if let parentNode = parent.node {
                if parent.isLeft { tree.left[parentNode] = node } else { tree.right[parentNode] = node }
            }
            model.splitCounts[split.feature] += 1
            model.splitGains[split.feature] += split.gain
            var left = Leaf(
                start: parent.start, end: middle, depth: parent.depth + 1, gradient: split.leftGradient,
                hessian: split.leftHessian, histogram: [], node: node, isLeft: true, extraL2: split.extraL2)
            var right = Leaf(
                start: middle, end: parent.end, depth: parent.depth + 1, gradient: parent.gradient - split.leftGradient,
                hessian: parent.hessian - split.leftHessian, histogram: [], node: node, isLeft: false, extraL2: split.extraL2)
            let smallerIsLeft = left.count <= right.count
            let built = histogram(smallerIsLeft ? left.start..<left.end : right.start..<right.end, gradients, allowedFeatures)
            var rest = parent.histogram
            for bin in rest.indices { rest[bin] -= built[bin] }
            left.histogram = smallerIsLeft ? built : rest
            right.histogram = smallerIsLeft ? rest : built
            left.split = bestSplit(left, features: allowedFeatures)
            right.split = bestSplit(right, features: allowedFeatures)
            leaves[index] = left
            leaves.append(right)
        }
        // Number the leaves and point their parents at them.
        tree.leafCover = leaves.map { Double($0.count) }
        for (number, leaf) in leaves.enumerated() {
            tree.leafValues.append(leafValue(leaf.gradient, leaf.hessian, extraL2: leaf.extraL2))
            if let node = leaf.node {
                if leaf.isLeft { tree.left[node] = ~number } else { tree.right[node] = ~number }
            }
        }
        if categorySets.contains(where: { !$0.isEmpty }) { tree.categories = categorySets }
        return (tree, nodeSplits, leaves.map { $0.start..<$0.end })
    }

    /// The leaf a training row falls into, found on its bins.
    func leaf(ofRow row: Int, tree: DecisionTree, nodeSplits: [Split]) -> Int {
        guard !tree.feature.isEmpty else { return 0 }
        var node = 0
        while true {
            let bin = Int(binned[tree.feature[node] * rows + row])
            let goLeft = nodeSplits[node].sendsLeft(bin)
            let next = goLeft ? tree.left[node] : tree.right[node]
            if next < 0 { return ~next }
            node = next
        }
    }

    // MARK: Histograms and splits

    /// The (gradient, hessian) totals of the rows at `positions`, summed chunk by chunk.
    private func sum(_ gradients: UnsafeBufferPointer<SIMD2<Double>>, _ positions: Range<Int>) -> SIMD2<Double> {
        let chunks = Parallel.chunkCount(positions.count, minimumChunk: 100_000)
        var partial = [SIMD2<Double>](repeating: .zero, count: chunks)
        partial.withUnsafeMutableBufferPointer { partial in
            order.withUnsafeBufferPointer { order in
                let buffers = UncheckedSendable((partial, order, gradients))
                Parallel.forEachChunk(positions.count, minimumChunk: 100_000) { chunk, range in
                    let (partial, order, gradients) = buffers.value
                    var total = SIMD2<Double>.zero
                    for position in range { total += gradients[Int(order[positions.lowerBound + position])] }
                    partial[chunk] = total
                }
            }
        }
        return partial.reduce(.zero, +)
    }

    /// The histogram of the rows at `positions` over `features`, one feature per task.
    private func histogram(_ positions: Range<Int>, _ gradients: UnsafeBufferPointer<SIMD2<Double>>, _ features: [Int]) -> [SIMD2<Double>] {
        var histogram = [SIMD2<Double>](repeating: .zero, count: totalBins)
        let count = positions.count
        histogram.withUnsafeMutableBufferPointer { out in
            binned.withUnsafeBufferPointer { binned in
                order.withUnsafeBufferPointer { order in
                    // The rows' gradients gathered once in position order, so every feature reads them sequentially.
                    let ordered = [SIMD2<Double>](unsafeUninitializedCapacity: count) { buffer, initialized in
                        for index in 0..<count { buffer[index] = gradients[Int(order[positions.lowerBound + index])] }
                        initialized = count
                    }
                    ordered.withUnsafeBufferPointer { ordered in
                        let buffers = UncheckedSendable((out, binned, order, ordered))
                        let (rows, offsets, start) = (self.rows, self.offsets, positions.lowerBound)
                        // Each task fills the bins of up to four features in one pass over the rows (one row index
                        // and one gradient load feed four independent updates); it writes only its own features' bins.
                        let groups = (features.count + 3) / 4
                        let work: @Sendable (Int) -> Void = { group in
                            let (out, binned, order, ordered) = buffers.value
                            guard let binnedBase = binned.baseAddress, let histogramBase = out.baseAddress,
                                let rowsAt = order.baseAddress.map({ $0 + start }), let values = ordered.baseAddress
                            else { return }
                            let members = features[(group * 4)..<Swift.min(features.count, group * 4 + 4)]
                            if members.count == 4 {
                                let (f0, f1, f2, f3) = (
                                    members[members.startIndex], members[members.startIndex + 1],
                                    members[members.startIndex + 2], members[members.startIndex + 3]
                                )
                                let (c0, c1, c2, c3) = (binnedBase + f0 * rows, binnedBase + f1 * rows, binnedBase + f2 * rows, binnedBase + f3 * rows)
                                let (h0, h1, h2, h3) = (
                                    histogramBase + offsets[f0], histogramBase + offsets[f1],
                                    histogramBase + offsets[f2], histogramBase + offsets[f3]
                                )
                                for index in 0..<count {
                                    let row = Int(rowsAt[index])
                                    let value = values[index]
                                    h0[Int(c0[row])] += value
                                    h1[Int(c1[row])] += value
                                    h2[Int(c2[row])] += value
                                    h3[Int(c3[row])] += value
                                }
                            } else {
                                for feature in members {
                                    let column = binnedBase + feature * rows
                                    let bins = histogramBase + offsets[feature]
                                    for index in 0..<count { bins[Int(column[Int(rowsAt[index])])] += values[index] }
                                }
                            }
                        }
                        if count * features.count >= 50_000 {
                            DispatchQueue.concurrentPerform(iterations: groups, execute: work)
                        } else {
                            for group in 0..<groups { work(group) }
                        }
                    }
                }
            }
        }
        return histogram
    }

    /// Moves the rows of `positions` that `split` sends left to the front, keeping their order on both sides,
    /// and returns where the right side starts. Large ranges are cut into one chunk per core: each chunk
    /// partitions itself (left rows in place, right rows into scratch), then the pieces are put together.
    private mutating func partition(_ positions: Range<Int>, _ split: Split) -> Int {
        let chunks = Parallel.chunkCount(positions.count, minimumChunk: 65_536)
        var leftCounts = [Int](repeating: 0, count: chunks)
        let column = split.feature * rows
        order.withUnsafeMutableBufferPointer { order in
            scratch.withUnsafeMutableBufferPointer { scratch in
                binned.withUnsafeBufferPointer { binned in
                    leftCounts.withUnsafeMutableBufferPointer { leftCounts in
                        let buffers = UncheckedSendable((order, scratch, binned, leftCounts))
                        Parallel.forEachChunk(positions.count, minimumChunk: 65_536) { chunk, range in
                            let (order, scratch, binned, leftCounts) = buffers.value
                            let start = positions.lowerBound + range.lowerBound
                            var left = start
                            var right = start
                            for position in start..<(positions.lowerBound + range.upperBound) {
                                let row = order[position]
                                let bin = Int(binned[column + Int(row)])
                                if split.sendsLeft(bin) {
                                    order[left] = row
                                    left += 1
                                } else {
                                    scratch[right] = row
                                    right += 1
                                }
                            }
                            leftCounts[chunk] = left - start
                        }
                    }
                }
                // Each chunk's lefts slide toward the front into one run (memmove: they may overlap), then the
                // chunks' rights follow from scratch.
                guard let base = order.baseAddress, let spare = scratch.baseAddress else { return }
                var next = positions.lowerBound
                for chunk in 0..<chunks {
                    let start = positions.lowerBound + positions.count * chunk / chunks
                    UnsafeMutableRawPointer(base + next).copyMemory(from: base + start, byteCount: leftCounts[chunk] * 4)
                    next += leftCounts[chunk]
                }
                for chunk in 0..<chunks {
                    let start = positions.lowerBound + positions.count * chunk / chunks
                    let end = positions.lowerBound + positions.count * (chunk + 1) / chunks
                    let rightCount = end - start - leftCounts[chunk]
                    (base + next).update(from: spare + start, count: rightCount)
                    next += rightCount
                }
            }
        }
        return positions.lowerBound + leftCounts.reduce(0, +)
    }

    /// The best split of a leaf over `features`, or nil. Like LightGBM, the histogram holds no counts: a side's
    /// row count is estimated from its hessian share (exact when every hessian is 1).
    private func bestSplit(_ leaf: Leaf, features: [Int]) -> Split? {
        let count = leaf.count
        guard count >= 2 * parameters.minDataInLeaf else { return nil }
        if parameters.maxDepth > 0, leaf.depth >= parameters.maxDepth { return nil }
        let parentGain = leafGain(leaf.gradient, leaf.hessian)
        let countPerHessian = Double(count) / leaf.hessian
        var best: Split?
        for feature in features {
            let base = offsets[feature]
            let binCount = bins.binCount(feature)
            guard binCount > 2 else { continue }  // a constant feature
            if bins.isCategorical(feature) {
                if let split = bestCategoricalSplit(leaf, feature: feature, parentGain: parentGain), split.gain > (best?.gain ?? 0) { best = split }
                continue
            }
            let missing = leaf.histogram[base]
            for missingLeft in missing.y > 0 ? [false, true] : [false] {
                var sums = missingLeft ? missing : .zero
                for bin in 1..<(binCount - 1) {
                    sums += leaf.histogram[base + bin]
                    let (g, h) = (sums.x, sums.y)
                    let leftCount = Int((h * countPerHessian).rounded())
                    if leftCount < parameters.minDataInLeaf || h < parameters.minSumHessianInLeaf { continue }
                    if count - leftCount < parameters.minDataInLeaf { break }
                    let rightH = leaf.hessian - h
                    if rightH < parameters.minSumHessianInLeaf { continue }
                    let gain = leafGain(g, h) + leafGain(leaf.gradient - g, rightH) - parentGain
                    if gain > parameters.minGainToSplit, gain > (best?.gain ?? 0) {
                        best = Split(feature: feature, bin: bin, missingLeft: missingLeft, gain: gain, leftGradient: g, leftHessian: h)
                    }
                }
            }
        }
        return best
    }

    /// The best split of a leaf on categorical `feature`, as LightGBM finds it: with few categories
    /// (`max_cat_to_onehot`), one category against the rest; otherwise the categories (those with at least
    /// `cat_smooth` rows) ordered by their smoothed gradient/hessian ratio and a prefix of that order (from either
    /// end, at most `max_cat_threshold` categories, ending only after `min_data_per_group` rows) against the rest,
    /// its gain regularized by `cat_l2` too. Missing and unseen categories go right.
    private func bestCategoricalSplit(_ leaf: Leaf, feature: Int, parentGain: Double) -> Split? {
        let base = offsets[feature]
        let categories = bins.binCount(feature) - 1
        let count = leaf.count
        let countPerHessian = Double(count) / leaf.hessian
        var best: Split?
        func consider(_ chosen: [Int], g: Double, h: Double, extraL2: Double) {
            let rightH = leaf.hessian - h
            let gain = leafGain(g, h, extraL2: extraL2) + leafGain(leaf.gradient - g, rightH, extraL2: extraL2) - parentGain
            guard gain > parameters.minGainToSplit, gain > (best?.gain ?? 0) else { return }
            var set = [UInt64](repeating: 0, count: 4)
            for bin in chosen { set[bin >> 6] |= 1 << UInt64(bin & 63) }
            best = Split(
                feature: feature, bin: 0, missingLeft: false, gain: gain, leftGradient: g, leftHessian: h, categoryBins: set, extraL2: extraL2)
        }
        func rowCount(_ h: Double) -> Int { Int((h * countPerHessian).rounded()) }
        if categories <= parameters.maxCatToOnehot {
            for bin in 1...categories {
                let (g, h) = (leaf.histogram[base + bin].x, leaf.histogram[base + bin].y)
                let left = rowCount(h)
                guard left >= parameters.minDataInLeaf, h >= parameters.minSumHessianInLeaf, count - left >= parameters.minDataInLeaf,
                    leaf.hessian - h >= parameters.minSumHessianInLeaf
                else { continue }
                consider([bin], g: g, h: h, extraL2: 0)
            }
            return best
        }
        let smooth = parameters.catSmooth
        let used = (1...categories).filter { Double(rowCount(leaf.histogram[base + $0].y)) >= smooth }.sorted { a, b in
            let (x, y) = (leaf.histogram[base + a], leaf.histogram[base + b])
            let (ratioA, ratioB) = (x.x / (x.y + smooth), y.x / (y.y + smooth))
            return ratioA != ratioB ? ratioA < ratioB : a < b
        }
        let most = Swift.min(parameters.maxCatThreshold, (used.count + 1) / 2)
        for ascending in [true, false] {
            var chosen: [Int] = []
            var (g, h) = (0.0, 0.0)
            var group = 0
            for step in 0..<Swift.min(used.count, most) {
                let bin = ascending ? used[step] : used[used.count - 1 - step]
                chosen.append(bin)
                g += leaf.histogram[base + bin].x
                h += leaf.histogram[base + bin].y
                let rows = rowCount(leaf.histogram[base + bin].y)
                group += rows
                let left = rowCount(h)
                if left < parameters.minDataInLeaf || h < parameters.minSumHessianInLeaf { continue }
                let right = count - left
                if right < parameters.minDataInLeaf || right < parameters.minDataPerGroup || leaf.hessian - h < parameters.minSumHessianInLeaf { break }
                if group < parameters.minDataPerGroup { continue }
                group = 0
                consider(chosen, g: g, h: h, extraL2: parameters.catL2)
            }
        }
        return best
    }

    private func leafGain(_ g: Double, _ h: Double, extraL2: Double = 0) -> Double {
        let t = thresholded(g)
        return t * t / (h + parameters.lambdaL2 + extraL2)
    }

    private func thresholded(_ g: Double) -> Double {
        guard parameters.lambdaL1 > 0 else { return g }
        return g > 0 ? Swift.max(0, g - parameters.lambdaL1) : Swift.min(0, g + parameters.lambdaL1)
    }

    private func leafValue(_ g: Double, _ h: Double, extraL2: Double = 0) -> Double {
        -thresholded(g) / (h + parameters.lambdaL2 + extraL2) * parameters.learningRate
    }
}
