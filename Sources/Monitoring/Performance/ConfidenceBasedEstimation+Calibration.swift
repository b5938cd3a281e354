import KiteCore
import Learning

extension ConfidenceBasedEstimation {
    /// NannyML's test of whether calibration helps: none when the labels have one class or the scores already
    /// rank them almost perfectly (ROC AUC above 0.999); otherwise ten stratified 90/10 splits, an isotonic
    /// calibration fitted on each 90% and applied to its 10%, and calibration is needed when the pooled tests'
    /// expected calibration error (10 equal-count bins) is lower after than before.
    static func needsCalibration(scores: [Double], labels: [Double], seed: UInt64) -> Bool {
        let positives = labels.indices.filter { labels[$0] == 1 }
        let negatives = labels.indices.filter { labels[$0] != 1 }
        guard !positives.isEmpty, !negatives.isEmpty, scores.count >= 20 else { return false }
        if let auc = try? BinaryMetrics.rocAUC(labels: labels, scores: scores), auc > 0.999 { return false }
        var random = SeededGenerator(seed: seed)
        var testLabels: [Double] = []
        var before: [Double] = []
        var after: [Double] = []
        for _ in 0..<10 {
            var test: [Int] = []
            var train: [Int] = []
            for group in [positives, negatives] {
                let shuffled = group.shuffled(using: &random)
                let count = max(1, Int((Double(group.count) * 0.1).rounded()))
                test += shuffled.prefix(count)
                train += shuffled.dropFirst(count)
            }
            let calibration = IsotonicCalibration(scores: train.map { scores[$0] }, labels: train.map { labels[$0] })
            for row in test {
                testLabels.append(labels[row])
                before.append(scores[row])
                after.append(calibration(scores[row]))
            }
        }
        return calibrationError(labels: testLabels, probabilities: before) > calibrationError(labels: testLabels, probabilities: after)
    }

    /// The expected calibration error over equal-count bins of the rows sorted by probability (NannyML's bins:
    /// width ⌊n/10⌋, the last bin taking the rest).
    static func calibrationError(labels: [Double], probabilities: [Double]) -> Double {
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        let n = order.count
        let bins = n <= 20 ? max(n / 2, 1) : 10
        let width = max(n / bins, 1)
        var edges = Array(stride(from: 0, through: n, by: width))
        edges[edges.count - 1] = n
        var error = 0.0
        for (left, right) in zip(edges, edges.dropFirst()) where right > left {
            let rows = order[left..<right]
            let meanProbability = rows.reduce(0.0) { $0 + probabilities[$1] } / Double(rows.count)
            let meanLabel = rows.reduce(0.0) { $0 + labels[$1] } / Double(rows.count)
            error += Double(rows.count) / Double(n) * abs(meanProbability - meanLabel)
        }
        return error
    }
}
