import Foundation
import KiteCore

/// The loss each objective minimizes: its starting scores, per-row gradients and hessians, and mean loss. Scores
/// and gradients of a model with several outputs are stored output by output: `scores[output * rows + row]`.
extension GBDTParameters.Objective {
    /// The scores boosting starts from, as LightGBM chooses them: the log-odds of the positive rate (binary), the
    /// mean (regression), the log of each class's share (multiclass) — rates, means and shares weighted by
    /// `weights` when given.
    func initialScores(labels: [Double], outputs: Int, weights: [Double]? = nil) -> [Double] {
        let total = SampleWeights.total(weights, rows: labels.count)
        func weightedSum(_ value: (Double) -> Double) -> Double {
            var sum = 0.0
            for row in labels.indices { sum += SampleWeights.at(weights, row) * value(labels[row]) }
            return sum
        }
        switch self {
        case .binary:
            let rate = weightedSum { $0 } / total
            return [Foundation.log(rate / (1 - rate))]
        case .regression, .huber:
            return [weightedSum { $0 } / total]
        case .regressionL1:
            return [weights.map { Self.weightedMedian(labels, weights: $0) } ?? Self.median(labels)]
        case .multiclass:
            var counts = [Double](repeating: 0, count: outputs)
            for row in labels.indices { counts[Int(labels[row])] += SampleWeights.at(weights, row) }
            return counts.map { Foundation.log(Swift.max($0 / total, 1e-15)) }
        }
    }

    /// Fills `gradients[output * rows + row]` with (gradient, hessian) of the loss at `scores`, on all cores. Binary
    /// rows are weighted by their class's entry of `classWeights` (negative, positive); every row by its entry of
    /// `weights`, if given.
    func gradients(
        scores: [Double], labels: [Double], outputs: Int, alpha: Double, classWeights: SIMD2<Double> = SIMD2(1, 1), weights: [Double]? = nil,
        into gradients: inout [SIMD2<Double>]
    ) {
        let rows = labels.count
        gradients.withUnsafeMutableBufferPointer { out in
            scores.withUnsafeBufferPointer { scores in
                labels.withUnsafeBufferPointer { labels in
                    let buffers = UncheckedSendable((out, scores, labels))
                    Parallel.forEachChunk(rows, minimumChunk: 50_000) { _, range in
                        let (out, scores, labels) = buffers.value
                        switch self {
                        case .binary:
                            for row in range {
                                let p = LogisticLoss.sigmoid(scores[row])
                                let weight = labels[row] == 1 ? classWeights.y : classWeights.x
                                out[row] = SIMD2(p - labels[row], Swift.max(p * (1 - p), 1e-16)) * weight
                            }
                        case .regression:
                            for row in range { out[row] = SIMD2(scores[row] - labels[row], 1) }
                        case .regressionL1:
                            for row in range {
                                let difference = scores[row] - labels[row]
                                out[row] = SIMD2(difference > 0 ? 1 : difference < 0 ? -1 : 0, 1)
                            }
                        case .huber:
                            for row in range {
                                let difference = scores[row] - labels[row]
                                out[row] = SIMD2(Swift.min(Swift.max(difference, -alpha), alpha), 1)
                            }
                        case .multiclass:
                            // LightGBM's softmax hessian, scaled by K / (K − 1).
                            let factor = Double(outputs) / Double(outputs - 1)
                            var probabilities = [Double](repeating: 0, count: outputs)
                            for row in range {
                                var top = -Double.infinity
                                for k in 0..<outputs { top = Swift.max(top, scores[k * rows + row]) }
                                var total = 0.0
                                for k in 0..<outputs {
                                    probabilities[k] = Foundation.exp(scores[k * rows + row] - top)
                                    total += probabilities[k]
                                }
                                let label = Int(labels[row])
                                for k in 0..<outputs {
                                    let p = probabilities[k] / total
                                    out[k * rows + row] = SIMD2(k == label ? p - 1 : p, Swift.max(factor * p * (1 - p), 1e-16))
                                }
                            }
                        }
                        if let weights {
                            for output in 0..<outputs {
                                for row in range { out[output * rows + row] *= weights[row] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Mean log loss (binary, multiclass), squared error (regression), absolute error (L1) or Huber loss of raw
    /// `scores`, weighted by `weights` when given.
    func loss(scores: [Double], labels: [Double], outputs: Int, alpha: Double, weights: [Double]? = nil) -> Double {
        let rows = labels.count
        var total = 0.0
        for row in 0..<rows {
            let label = labels[row]
            let term: Double
            switch self {
            case .binary:
                term = LogisticLoss.softplus(scores[row]) - label * scores[row]
            case .regression:
                term = (scores[row] - label) * (scores[row] - label)
            case .regressionL1:
                term = abs(scores[row] - label)
            case .huber:
                let difference = abs(scores[row] - label)
                term = difference <= alpha ? 0.5 * difference * difference : alpha * (difference - 0.5 * alpha)
            case .multiclass:
                var top = -Double.infinity
                for k in 0..<outputs { top = Swift.max(top, scores[k * rows + row]) }
                var sum = 0.0
                for k in 0..<outputs { sum += Foundation.exp(scores[k * rows + row] - top) }
                term = top + Foundation.log(sum) - scores[Int(label) * rows + row]
            }
            total += weights.map { $0[row] * term } ?? term
        }
        return total / Swift.max(SampleWeights.total(weights, rows: rows), Double.leastNonzeroMagnitude)
    }

    /// The loss's name as LightGBM names the metric: what early stopping and per-round curves follow.
    public var lossName: String {
        switch self {
        case .binary: "binary_logloss"
        case .multiclass: "multi_logloss"
        case .regression: "l2"
        case .regressionL1: "l1"
        case .huber: "huber"
        }
    }

    /// Whether each new tree's leaf outputs are recomputed from the residuals (L1: their median).
    var renewsLeaves: Bool { self == .regressionL1 }

    /// The weighted median as LightGBM's weighted percentile takes it: values in ascending order with their
    /// cumulative weights c₀ ≤ c₁ ≤ …, the first position p whose cumulative weight exceeds half the total; between
    /// values p − 1 and p it interpolates by where half the total falls in the next step when that step weighs at
    /// least 1, and takes value p otherwise.
    static func weightedMedian(_ values: [Double], weights: [Double]) -> Double {
        guard values.count > 1 else { return values.first ?? 0 }
        let order = values.indices.sorted { values[$0] < values[$1] }
        var cumulative = [Double](repeating: 0, count: order.count)
        var total = 0.0
        for (position, index) in order.enumerated() {
            total += weights[index]
            cumulative[position] = total
        }
        let threshold = total * 0.5
        var position = cumulative.firstIndex { $0 > threshold } ?? order.count - 1
        position = Swift.min(position, order.count - 1)
        if position == 0 || position == order.count - 1 { return values[order[position]] }
        let (low, high) = (values[order[position - 1]], values[order[position]])
        let step = cumulative[position + 1] - cumulative[position]
        return step >= 1 ? (threshold - cumulative[position]) / step * (high - low) + low : high
    }

    /// The median as LightGBM's percentile function takes it: with the values in descending order d₀ ≥ d₁ ≥ …, at
    /// position p = n / 2 (whole part k, fraction f), d[k − 1] − (d[k − 1] − d[k]) · f; the one value for n = 1.
    static func median(_ values: [Double]) -> Double {
        guard values.count > 1 else { return values.first ?? 0 }
        let sorted = values.sorted(by: >)
        let position = 0.5 * Double(sorted.count)
        let whole = Int(position)
        let fraction = position - Double(whole)
        return sorted[whole - 1] - (sorted[whole - 1] - sorted[whole]) * fraction
    }
}
