import KiteCore

/// NannyML's confidence-based performance estimation (CBPE) for binary classifiers: with the reference's scores
/// and labels it decides whether the scores need calibrating (and fits an isotonic calibration), then estimates
/// a window's metrics from its scores alone — each prediction counted as right with its calibrated probability.
public struct ConfidenceBasedEstimation: Sendable {
    /// Whether the reference showed calibration helps (NannyML's `needs_calibration`).
    public let calibrated: Bool
    private let calibration: IsotonicCalibration?

    /// The estimated metrics of a window.
    public struct Estimate: Sendable, Codable, Equatable {
        public let rows: Int
        public let rocAUC: Double?
        public let accuracy: Double?
        public let precision: Double?
        public let recall: Double?
        public let f1: Double?
        public let specificity: Double?
    }

    /// Fitted on the reference's scores (probability of class 1) and labels (0 or 1). `seed` drives the ten
    /// stratified splits of the calibration check.
    public init(referenceScores scores: [Double], labels: [Double], seed: UInt64 = 42) throws {
        guard scores.count == labels.count, !scores.isEmpty else {
            throw KiteError.invalidArgument("the reference needs as many labels as scores, and at least one of each")
        }
        guard scores.allSatisfy(\.isFinite), labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw KiteError.invalidArgument("the reference's scores must be numbers and its labels 0 or 1")
        }
        calibrated = Self.needsCalibration(scores: scores, labels: labels, seed: seed)
        calibration = calibrated ? IsotonicCalibration(scores: scores, labels: labels) : nil
    }

    /// The window's estimated metrics from its scores and predicted classes (0 or 1); NaN scores are left out.
    public func estimate(scores: [Double], predictions: [Int]) -> Estimate {
        let rows = scores.indices.filter { scores[$0].isFinite }
        guard !rows.isEmpty else { return Estimate(rows: 0, rocAUC: nil, accuracy: nil, precision: nil, recall: nil, f1: nil, specificity: nil) }
        let raw = rows.map { scores[$0] }
        let probability = calibration.map { calibration in raw.map { calibration($0) } } ?? raw
        let predicted = rows.map { predictions[$0] }
        var (tp, fp, fn, tn) = (0.0, 0.0, 0.0, 0.0)
        for (p, y) in zip(probability, predicted) {
            if y == 1 {
                tp += p
                fp += 1 - p
            } else {
                fn += p
                tn += 1 - p
            }
        }
        func ratio(_ a: Double, _ b: Double) -> Double { b != 0 ? a / b : 0 }
        return Estimate(
            rows: rows.count, rocAUC: Self.estimatedROCAUC(calibrated: probability, scores: raw), accuracy: (tp + tn) / Double(rows.count),
            precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn), f1: ratio(tp, tp + 0.5 * (fp + fn)), specificity: ratio(tn, tn + fp))
    }

    /// NannyML's estimated ROC AUC: rows by score descending, expected true and false positives as cumulative
    /// sums of the calibrated probabilities (rounded to 5 decimals, as NannyML does), the trapezoid under the curve.
    static func estimatedROCAUC(calibrated: [Double], scores: [Double]) -> Double? {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var truePositives = [0.0]
        var falsePositives = [0.0]
        var sum = 0.0
        for (rank, index) in order.enumerated() {
            sum += calibrated[index]
            truePositives.append(sum)
            falsePositives.append(Double(rank + 1) - sum)
        }
        let round5 = { (x: Double) in (x * 1e5).rounded(.toNearestOrEven) / 1e5 }
        truePositives = truePositives.map(round5)
        falsePositives = falsePositives.map(round5)
        guard let totalTrue = truePositives.last, let totalFalse = falsePositives.last, totalTrue > 0, totalFalse > 0 else { return nil }
        var area = 0.0
        for i in 1..<truePositives.count {
            let dx = falsePositives[i] / totalFalse - falsePositives[i - 1] / totalFalse
            area += dx * (truePositives[i] / totalTrue + truePositives[i - 1] / totalTrue) / 2
        }
        return area
    }
}
