import Foundation
import KiteCore

/// Metrics of a binary classifier, defined exactly as scikit-learn 1.9 defines them: labels are 0 or 1, scores
/// are the predicted probability (or any score, for ROC AUC and average precision) of class 1, and `weights` are
/// `sample_weight` (nil: every row 1).
public enum BinaryMetrics {
    /// Area under the ROC curve: over every (positive, negative) pair, weighted by both rows' weights, 1 when
    /// the positive scores higher and ½ on a tie — the area of the trapezoidal ROC curve.
    public static func rocAUC(labels: [Double], scores: [Double], weights: [Double]? = nil) throws -> Double {
        try check(labels: labels, scores: scores, weights: weights, needsBothClasses: true)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var negativesBelow = 0.0
        var area = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            var positives = 0.0
            var negatives = 0.0
            for position in start...end {
                let row = order[position]
                if labels[row] == 1 { positives += SampleWeights.at(weights, row) } else { negatives += SampleWeights.at(weights, row) }
            }
            area += positives * (negativesBelow + 0.5 * negatives)
            negativesBelow += negatives
            start = end + 1
        }
        let positives = labels.indices.reduce(0.0) { $0 + (labels[$1] == 1 ? SampleWeights.at(weights, $1) : 0) }
        return area / (positives * negativesBelow)
    }

    /// Mean negative log-likelihood, probabilities clipped to [ε, 1 − ε] with ε the float64 machine epsilon.
    public static func logLoss(labels: [Double], probabilities: [Double], weights: [Double]? = nil) throws -> Double {
        try check(labels: labels, scores: probabilities, weights: weights, needsBothClasses: false)
        let epsilon = Double.ulpOfOne
        var total = 0.0
        for (row, (label, probability)) in zip(labels, probabilities).enumerated() {
            let p = Swift.min(Swift.max(probability, epsilon), 1 - epsilon)
            total -= SampleWeights.at(weights, row) * (label == 1 ? Foundation.log(p) : Foundation.log(1 - p))
        }
        return total / SampleWeights.total(weights, rows: labels.count)
    }

    /// Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over the distinct score thresholds, highest first.
    public static func averagePrecision(labels: [Double], scores: [Double], weights: [Double]? = nil) throws -> Double {
        try check(labels: labels, scores: scores, weights: weights, needsBothClasses: false)
        let positives = labels.indices.reduce(0.0) { $0 + labels[$1] * SampleWeights.at(weights, $1) }
        guard positives > 0 else { return 0 }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = 0.0
        var seen = 0.0
        var previousRecall = 0.0
        var result = 0.0
        var index = 0
        while index < order.count {
            let threshold = scores[order[index]]
            while index < order.count, scores[order[index]] == threshold {
                truePositives += labels[order[index]] * SampleWeights.at(weights, order[index])
                seen += SampleWeights.at(weights, order[index])
                index += 1
            }
            let recall = truePositives / positives
            result += (recall - previousRecall) * (truePositives / seen)
            previousRecall = recall
        }
        return result
    }

    /// The counts of a thresholded prediction (class 1 when the score is at least `threshold`).
    public struct Confusion: Sendable, Hashable {
        public var truePositives = 0.0
        public var falsePositives = 0.0
        public var trueNegatives = 0.0
        public var falseNegatives = 0.0

        /// Correct predictions over all.
        public var accuracy: Double { (truePositives + trueNegatives) / (truePositives + falsePositives + trueNegatives + falseNegatives) }
        /// TP / (TP + FP); 0 when nothing is predicted positive (scikit-learn's zero_division default).
        public var precision: Double { truePositives + falsePositives == 0 ? 0 : truePositives / (truePositives + falsePositives) }
        /// TP / (TP + FN); 0 when there are no positives.
        public var recall: Double { truePositives + falseNegatives == 0 ? 0 : truePositives / (truePositives + falseNegatives) }
        /// 2TP / (2TP + FP + FN); 0 when that is 0/0.
        public var f1: Double {
            let denominator = 2 * truePositives + falsePositives + falseNegatives
            return denominator == 0 ? 0 : 2 * truePositives / denominator
        }
    }

    /// The confusion counts (weights) at `threshold` (scikit-learn's metrics of `scores >= threshold`).
    public static func confusion(labels: [Double], scores: [Double], threshold: Double = 0.5, weights: [Double]? = nil) throws -> Confusion {
        try check(labels: labels, scores: scores, weights: weights, needsBothClasses: false)
        var counts = Confusion()
        for (row, (label, score)) in zip(labels, scores).enumerated() {
            let weight = SampleWeights.at(weights, row)
            switch (label == 1, score >= threshold) {
            case (true, true): counts.truePositives += weight
            case (false, true): counts.falsePositives += weight
            case (false, false): counts.trueNegatives += weight
            case (true, false): counts.falseNegatives += weight
            }
        }
        return counts
    }

    /// Mean squared difference between probability and label.
    public static func brierScore(labels: [Double], probabilities: [Double], weights: [Double]? = nil) throws -> Double {
        try check(labels: labels, scores: probabilities, weights: weights, needsBothClasses: false)
        var total = 0.0
        for (row, (label, probability)) in zip(labels, probabilities).enumerated() {
            total += SampleWeights.at(weights, row) * (probability - label) * (probability - label)
        }
        return total / SampleWeights.total(weights, rows: labels.count)
    }

    /// Expected calibration error over `bins` equal-width bins, binned as scikit-learn's `calibration_curve`
    /// (strategy "uniform") bins: Σ (nᵦ / n) · |mean label − mean probability| over the non-empty bins (with
    /// weights, n counts weight and the means are weighted).
    public static func calibrationError(labels: [Double], probabilities: [Double], bins: Int = 10, weights: [Double]? = nil) throws -> Double {
        try check(labels: labels, scores: probabilities, weights: weights, needsBothClasses: false)
        guard bins >= 1 else { throw KiteError.invalidArgument("calibration error needs at least one bin, not \(bins)") }
        let step = 1 / Double(bins)
        let innerEdges = (1..<bins).map { Double($0) * step }
        var count = [Double](repeating: 0, count: bins)
        var labelSum = [Double](repeating: 0, count: bins)
        var probabilitySum = [Double](repeating: 0, count: bins)
        for (row, (label, probability)) in zip(labels, probabilities).enumerated() {
            var bin = 0
            while bin < innerEdges.count, innerEdges[bin] < probability { bin += 1 }
            let weight = SampleWeights.at(weights, row)
            count[bin] += weight
            labelSum[bin] += weight * label
            probabilitySum[bin] += weight * probability
        }
        var error = 0.0
        let total = SampleWeights.total(weights, rows: labels.count)
        for bin in 0..<bins where count[bin] > 0 {
            error += count[bin] / total * abs(labelSum[bin] / count[bin] - probabilitySum[bin] / count[bin])
        }
        return error
    }

    /// Checks lengths, labels (0 or 1), scores (finite) and weights; ROC AUC also needs both classes present.
    static func check(labels: [Double], scores: [Double], weights: [Double]?, needsBothClasses: Bool) throws {
        guard !labels.isEmpty else { throw KiteError.invalidArgument("a metric needs at least one row") }
        guard labels.count == scores.count else {
            throw KiteError.invalidArgument("labels and predictions differ in length: \(labels.count) and \(scores.count)")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw KiteError.invalidArgument("binary labels must be 0 or 1") }
        guard scores.allSatisfy(\.isFinite) else { throw KiteError.invalidArgument("predictions must be finite numbers (found NaN or infinity)") }
        try SampleWeights.check(weights, rows: labels.count)
        if needsBothClasses, labels.indices.allSatisfy({ labels[$0] == labels[0] || SampleWeights.at(weights, $0) == 0 }) {
            throw KiteError.invalidArgument("ROC AUC is undefined when only one class is present in the labels")
        }
    }
}
