/// A monotone map from scores to probabilities fitted by isotonic regression, as scikit-learn's
/// `IsotonicRegression(out_of_bounds="clip", increasing=True)` fits and applies it: duplicate scores averaged,
/// pool-adjacent-violators with weights, linear interpolation between the fitted points, clipped at the ends.
struct IsotonicCalibration: Sendable {
    /// The fitted points, scores ascending (interior points of flat runs dropped, as scikit-learn keeps them).
    let scores: [Double]
    let values: [Double]

    init(scores rawScores: [Double], labels: [Double]) {
        let order = rawScores.indices.sorted { (rawScores[$0], labels[$0]) < (rawScores[$1], labels[$1]) }
        var xs: [Double] = []
        var sums: [Double] = []
        var weights: [Double] = []
        for index in order {
            if let last = xs.last, last == rawScores[index] {
                sums[sums.count - 1] += labels[index]
                weights[weights.count - 1] += 1
            } else {
                xs.append(rawScores[index])
                sums.append(labels[index])
                weights.append(1)
            }
        }
        var ys = zip(sums, weights).map { $0 / $1 }
        Self.poolAdjacentViolators(&ys, weights: weights)
        var keep = [Bool](repeating: true, count: ys.count)
        if ys.count > 2 {
            for i in 1..<(ys.count - 1) { keep[i] = ys[i] != ys[i - 1] || ys[i] != ys[i + 1] }
        }
        scores = xs.indices.filter { keep[$0] }.map { xs[$0] }
        values = ys.indices.filter { keep[$0] }.map { ys[$0] }
    }

    /// Replaces `y` with its weighted least-squares non-decreasing fit.
    static func poolAdjacentViolators(_ y: inout [Double], weights: [Double]) {
        // Blocks as (start, weight, mean); merge while the last two decrease.
        var starts: [Int] = []
        var blockWeights: [Double] = []
        var means: [Double] = []
        for i in y.indices {
            starts.append(i)
            blockWeights.append(weights[i])
            means.append(y[i])
            while means.count > 1, means[means.count - 2] >= means[means.count - 1] {
                let weight = blockWeights[blockWeights.count - 2] + blockWeights[blockWeights.count - 1]
                let mean =
                    (means[means.count - 2] * blockWeights[blockWeights.count - 2] + means[means.count - 1] * blockWeights[blockWeights.count - 1]) / weight
                starts.removeLast()
                blockWeights.removeLast()
                means.removeLast()
                blockWeights[blockWeights.count - 1] = weight
                means[means.count - 1] = mean
            }
        }
        for block in starts.indices {
            let end = block + 1 < starts.count ? starts[block + 1] : y.count
            for i in starts[block]..<end { y[i] = means[block] }
        }
    }

    /// The calibrated probability of a score.
    func callAsFunction(_ score: Double) -> Double {
        guard let first = scores.first, let last = scores.last else { return score }
        if scores.count == 1 { return values[0] }
        let x = min(max(score, first), last)
        // scipy's interp1d: the first point not below x (at least the second), and the one before it.
        var low = 0
        var high = scores.count
        while low < high {
            let middle = (low + high) / 2
            if scores[middle] < x { low = middle + 1 } else { high = middle }
        }
        high = min(max(low, 1), scores.count - 1)
        low = high - 1
        let span = scores[high] - scores[low]
        let slope = (values[high] - values[low]) / span
        return slope * (x - scores[low]) + values[low]
    }
}
