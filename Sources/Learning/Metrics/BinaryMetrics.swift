import Foundation
import KiteCore

/// Metrics of a binary classifier, defined exactly as scikit-learn 1.9 defines them: labels are 0 or 1, scores
/// are the predicted probability (or any score, for ROC AUC and average precision) of class 1.
public enum BinaryMetrics {
    /// Area under the ROC curve; tied scores count half (midranks), as the trapezoidal ROC does.
    public static func rocAUC(labels: [Double], scores: [Double]) throws -> Double {
        try check(labels: labels, scores: scores, needsBothClasses: true)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let midrank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] == 1 { rankSumPositive += midrank }
            start = end + 1
        }
        let positives = labels.reduce(0, +)
        let negatives = Double(labels.count) - positives
        return (rankSumPositive - positives * (positives + 1) / 2) / (positives * negatives)
    }

    /// Mean negative log-likelihood, probabilities clipped to [ε, 1 − ε] with ε the float64 machine epsilon.
    public static func logLoss(labels: [Double], probabilities: [Double]) throws -> Double {
        try check(labels: labels, scores: probabilities, needsBothClasses: false)
        let epsilon = Double.ulpOfOne
        var total = 0.0
        for (label, probability) in zip(labels, probabilities) {
            let p = Swift.min(Swift.max(probability, epsilon), 1 - epsilon)
            total -= label == 1 ? Foundation.log(p) : Foundation.log(1 - p)
        }
        return total / Double(labels.count)
    }

    /// Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over the distinct score thresholds, highest first.
    public static func averagePrecision(labels: [Double], scores: [Double]) throws -> Double {
        try check(labels: labels, scores: scores, needsBothClasses: false)
        let positives = labels.reduce(0, +)
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
                truePositives += labels[order[index]]
                seen += 1
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

    /// The confusion counts at `threshold` (scikit-learn's metrics of `scores >= threshold`).
    public static func confusion(labels: [Double], scores: [Double], threshold: Double = 0.5) throws -> Confusion {
        try check(labels: labels, scores: scores, needsBothClasses: false)
        var counts = Confusion()
        for (label, score) in zip(labels, scores) {
            switch (label == 1, score >= threshold) {
            case (true, true): counts.truePositives += 1
            case (false, true): counts.falsePositives += 1
            case (false, false): counts.trueNegatives += 1
            case (true, false): counts.falseNegatives += 1
            }
        }
        return counts
    }

    /// Mean squared difference between probability and label.
    public static func brierScore(labels: [Double], probabilities: [Double]) throws -> Double {
        try check(labels: labels, scores: probabilities, needsBothClasses: false)
        var total = 0.0
        for (label, probability) in zip(labels, probabilities) { total += (probability - label) * (probability - label) }
        return total / Double(labels.count)
    }

    /// Expected calibration error over `bins` equal-width bins, binned as scikit-learn's `calibration_curve`
    /// (strategy "uniform") bins: Σ (nᵦ / n) · |mean label − mean probability| over the non-empty bins.
    public static func calibrationError(labels: [Double], probabilities: [Double], bins: Int = 10) throws -> Double {
        try check(labels: labels, scores: probabilities, needsBothClasses: false)
        guard bins >= 1 else { throw KiteError.invalidArgument("calibration error needs at least one bin, not \(bins)") }
        let step = 1 / Double(bins)
        let innerEdges = (1..<bins).map { Double($0) * step }
        var count = [Double](repeating: 0, count: bins)
        var labelSum = [Double](repeating: 0, count: bins)
        var probabilitySum = [Double](repeating: 0, count: bins)
        for (label, probability) in zip(labels, probabilities) {
            var bin = 0
            while bin < innerEdges.count, innerEdges[bin] < probability { bin += 1 }
            count[bin] += 1
            labelSum[bin] += label
            probabilitySum[bin] += probability
        }
        var error = 0.0
        for bin in 0..<bins where count[bin] > 0 {
            error += count[bin] / Double(labels.count) * abs(labelSum[bin] / count[bin] - probabilitySum[bin] / count[bin])
        }
        return error
    }

    /// Checks lengths, labels (0 or 1) and scores (finite); ROC AUC also needs both classes present.
    static func check(labels: [Double], scores: [Double], needsBothClasses: Bool) throws {
        guard !labels.isEmpty else { throw KiteError.invalidArgument("a metric needs at least one row") }
        guard labels.count == scores.count else {
            throw KiteError.invalidArgument("labels and predictions differ in length: \(labels.count) and \(scores.count)")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw KiteError.invalidArgument("binary labels must be 0 or 1") }
        guard scores.allSatisfy(\.isFinite) else { throw KiteError.invalidArgument("predictions must be finite numbers (found NaN or infinity)") }
        if needsBothClasses, labels.allSatisfy({ $0 == labels[0] }) {
            throw KiteError.invalidArgument("ROC AUC is undefined when only one class is present in the labels")
        }
    }
}
