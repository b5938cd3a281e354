import Foundation
import KiteCore
import KiteTesting
import Learning
import Testing

/// Every metric against scikit-learn 1.9 on generated inputs with ties: equal to 1e-12.
@Suite struct MetricsTests {
    struct Reference {
        let values: [String: Any]

        init(seed: Int, rows: Int, weighted: Bool = false) throws {
            let output = try Subprocess.python("sklearn_metrics_peer.py", [String(seed), String(rows)] + (weighted ? ["weighted"] : []))
            values = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
        }

        func array(_ key: String) -> [Double] { (values[key] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }
        func number(_ key: String) -> Double { (values[key] as? NSNumber)?.doubleValue ?? .nan }
    }

    /// Unweighted, and with sample weights (scikit-learn's `sample_weight`, some of them 0).
    @Test(arguments: [(1, 50, false), (2, 1_000, false), (3, 20_000, false), (4, 50, true), (5, 1_000, true), (6, 20_000, true)])
    func equalScikitLearn(seed: Int, rows: Int, weighted: Bool) throws {
        let reference = try Reference(seed: seed, rows: rows, weighted: weighted)
        let w = weighted ? reference.array("weights") : nil
        #expect(w == nil || w?.count == rows)
        let labels = reference.array("labels")
        let scores = reference.array("scores")
        let targets = reference.array("targets")
        let predictions = reference.array("predictions")
        let classes = reference.array("classes")
        let probabilities = (reference.values["probabilities"] as? [[Any]] ?? []).map { $0.compactMap { ($0 as? NSNumber)?.doubleValue } }
        #expect(classes.count == rows && probabilities.count == rows)
        #expect(labels.count == rows && scores.count == rows && targets.count == rows)
        let confusion = try BinaryMetrics.confusion(labels: labels, scores: scores, threshold: 0.5, weights: w)
        let kite: [(String, Double)] = [
            ("roc_auc", try BinaryMetrics.rocAUC(labels: labels, scores: scores, weights: w)),
            ("log_loss", try BinaryMetrics.logLoss(labels: labels, probabilities: scores, weights: w)),
            ("average_precision", try BinaryMetrics.averagePrecision(labels: labels, scores: scores, weights: w)),
            ("accuracy", confusion.accuracy), ("precision", confusion.precision), ("recall", confusion.recall), ("f1", confusion.f1),
            ("brier", try BinaryMetrics.brierScore(labels: labels, probabilities: scores, weights: w)),
            ("calibration_error", try BinaryMetrics.calibrationError(labels: labels, probabilities: scores, weights: w)),
            ("rmse", try RegressionMetrics.rmse(targets: targets, predictions: predictions, weights: w)),
            ("mae", try RegressionMetrics.mae(targets: targets, predictions: predictions, weights: w)),
            ("r2", try RegressionMetrics.r2(targets: targets, predictions: predictions, weights: w)),
            ("multiclass_accuracy", try MulticlassMetrics.accuracy(labels: classes, probabilities: probabilities, weights: w)),
            ("multiclass_log_loss", try MulticlassMetrics.logLoss(labels: classes, probabilities: probabilities, weights: w)),
            ("macro_f1", try MulticlassMetrics.macroF1(labels: classes, probabilities: probabilities, weights: w)),
        ]
        for (name, value) in kite {
            let expected = reference.number(name)
            #expect(abs(value - expected) <= 1e-12 * Swift.max(1, abs(expected)), "\(name): kite \(value), scikit-learn \(expected)")
        }
    }

    @Test func handComputedCases() throws {
        // Two positives, two negatives, one tie across classes: AUC = (1 + 1 + 0.5 + 1) / 4.
        #expect(try BinaryMetrics.rocAUC(labels: [0, 1, 0, 1], scores: [0.1, 0.4, 0.4, 0.9]) == 0.875)
        #expect(try BinaryMetrics.averagePrecision(labels: [1, 0, 1], scores: [0.9, 0.8, 0.7]) == (1 + 2.0 / 3) / 2)
        #expect(try RegressionMetrics.r2(targets: [2, 2, 2], predictions: [2, 2, 2]) == 1)
        #expect(try RegressionMetrics.r2(targets: [2, 2, 2], predictions: [1, 2, 3]) == 0)
        #expect(try BinaryMetrics.logLoss(labels: [1], probabilities: [0]) == -Foundation.log(Double.ulpOfOne))
    }

    @Test func badInputIsAClearError() {
        let cases: [() throws -> Double] = [
            { try BinaryMetrics.rocAUC(labels: [1, 1], scores: [0.2, 0.3]) },
            { try BinaryMetrics.rocAUC(labels: [], scores: []) },
            { try BinaryMetrics.logLoss(labels: [0, 1], probabilities: [0.5]) },
            { try BinaryMetrics.logLoss(labels: [0, 2], probabilities: [0.5, 0.5]) },
            { try BinaryMetrics.brierScore(labels: [0, 1], probabilities: [.nan, 0.5]) },
            { try BinaryMetrics.calibrationError(labels: [0], probabilities: [0.5], bins: 0) },
            { try RegressionMetrics.rmse(targets: [1], predictions: [.infinity]) },
            { try MulticlassMetrics.accuracy(labels: [0, 3], probabilities: [[0.5, 0.5], [0.2, 0.8]]) },
            { try MulticlassMetrics.logLoss(labels: [0], probabilities: [[1]]) },
            { try MulticlassMetrics.macroF1(labels: [0, 1], probabilities: [[0.5, 0.5], [0.2]]) },
            { try BinaryMetrics.logLoss(labels: [0, 1], probabilities: [0.5, 0.5], weights: [1, -1]) },
            { try BinaryMetrics.rocAUC(labels: [0, 1], scores: [0.2, 0.3], weights: [1, 0]) },
            { try RegressionMetrics.mae(targets: [1, 2], predictions: [1, 2], weights: [0, 0]) },
            { try MulticlassMetrics.accuracy(labels: [0, 1], probabilities: [[0.5, 0.5], [0.2, 0.8]], weights: [1]) },
        ]
        for body in cases {
            #expect(throws: KiteError.self) { _ = try body() }
        }
    }
}
