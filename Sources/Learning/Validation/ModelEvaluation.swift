import KiteCore

/// Every validation metric of a task, by the names runs record and gates compare: `auc`, `log_loss`,
/// `average_precision`, `accuracy`, `precision`, `recall`, `f1`, `brier`, `calibration_error` (binary, at
/// `threshold`); `accuracy`, `log_loss`, `macro_f1` (multiclass); `rmse`, `mae`, `r2` (regression).
public enum ModelEvaluation {
    /// The metrics of predictions against labels: `probabilities` holds one row per example for classifiers
    /// (`[1 − p, p]` for binary), `predictions` the values for regression; `weights` weigh the rows.
    public static func metrics(
        task: LearningTask, labels: [Double], predictions: [Double] = [], probabilities: [[Double]] = [], threshold: Double = 0.5,
        weights: [Double]? = nil
    ) throws -> [String: Double] {
        switch task {
        case .binary:
            let scores = probabilities.map { $0.count == 2 ? $0[1] : .nan }
            let confusion = try BinaryMetrics.confusion(labels: labels, scores: scores, threshold: threshold, weights: weights)
            var metrics = [
                "log_loss": try BinaryMetrics.logLoss(labels: labels, probabilities: scores, weights: weights),
                "average_precision": try BinaryMetrics.averagePrecision(labels: labels, scores: scores, weights: weights),
                "accuracy": confusion.accuracy, "precision": confusion.precision, "recall": confusion.recall, "f1": confusion.f1,
                "brier": try BinaryMetrics.brierScore(labels: labels, probabilities: scores, weights: weights),
                "calibration_error": try BinaryMetrics.calibrationError(labels: labels, probabilities: scores, weights: weights),
            ]
            // AUC is undefined on a test set holding one class; every other metric still stands.
            let weighs = { (label: Double) in labels.indices.contains { labels[$0] == label && SampleWeights.at(weights, $0) > 0 } }
            if weighs(0), weighs(1) { metrics["auc"] = try BinaryMetrics.rocAUC(labels: labels, scores: scores, weights: weights) }
            return metrics
        case .multiclass:
            return [
                "accuracy": try MulticlassMetrics.accuracy(labels: labels, probabilities: probabilities, weights: weights),
                "log_loss": try MulticlassMetrics.logLoss(labels: labels, probabilities: probabilities, weights: weights),
                "macro_f1": try MulticlassMetrics.macroF1(labels: labels, probabilities: probabilities, weights: weights),
            ]
        case .regression:
            return [
                "rmse": try RegressionMetrics.rmse(targets: labels, predictions: predictions, weights: weights),
                "mae": try RegressionMetrics.mae(targets: labels, predictions: predictions, weights: weights),
                "r2": try RegressionMetrics.r2(targets: labels, predictions: predictions, weights: weights),
            ]
        }
    }
}
