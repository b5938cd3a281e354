import Foundation
import KiteCore

/// Metrics of a multiclass classifier, defined exactly as scikit-learn 1.9 defines them: labels are class indices
/// 0 ..< K, probabilities are one row of K per example, `weights` are `sample_weight`.
public enum MulticlassMetrics {
    /// The share of rows whose most probable class (the first on ties) is the label.
    public static func accuracy(labels: [Double], probabilities: [[Double]], weights: [Double]? = nil) throws -> Double {
        let predicted = try predictions(labels: labels, probabilities: probabilities, weights: weights)
        let correct = labels.indices.reduce(0.0) { $0 + (Int(labels[$1]) == predicted[$1] ? SampleWeights.at(weights, $1) : 0) }
        return correct / SampleWeights.total(weights, rows: labels.count)
    }

    /// Mean negative log-probability of the label, probabilities clipped to [ε, 1 − ε] (float64 epsilon).
    public static func logLoss(labels: [Double], probabilities: [[Double]], weights: [Double]? = nil) throws -> Double {
        _ = try predictions(labels: labels, probabilities: probabilities, weights: weights)
        let epsilon = Double.ulpOfOne
        var total = 0.0
        for (index, (label, row)) in zip(labels, probabilities).enumerated() {
            total -= SampleWeights.at(weights, index) * Foundation.log(Swift.min(Swift.max(row[Int(label)], epsilon), 1 - epsilon))
        }
        return total / SampleWeights.total(weights, rows: labels.count)
    }

    /// The unweighted mean of each class's F1 over the classes present in the labels or the predictions (a class
    /// with no true or predicted rows scores 0, scikit-learn's zero_division default). Weights weigh the counts;
    /// which classes are present does not depend on them.
    public static func macroF1(labels: [Double], probabilities: [[Double]], weights: [Double]? = nil) throws -> Double {
        let predicted = try predictions(labels: labels, probabilities: probabilities, weights: weights)
        let classes = probabilities[0].count
        var truePositives = [Double](repeating: 0, count: classes)
        var actual = [Double](repeating: 0, count: classes)
        var chosen = [Double](repeating: 0, count: classes)
        var seen = [Bool](repeating: false, count: classes)
        for (row, (label, guess)) in zip(labels, predicted).enumerated() {
            let weight = SampleWeights.at(weights, row)
            actual[Int(label)] += weight
            chosen[guess] += weight
            (seen[Int(label)], seen[guess]) = (true, true)
            if Int(label) == guess { truePositives[guess] += weight }
        }
        let present = (0..<classes).filter { seen[$0] }
        let f1 = present.map { k in actual[k] + chosen[k] == 0 ? 0 : 2 * truePositives[k] / (actual[k] + chosen[k]) }
        return f1.reduce(0, +) / Double(present.count)
    }

    /// Checks the input and returns each row's most probable class.
    static func predictions(labels: [Double], probabilities: [[Double]], weights: [Double]?) throws -> [Int] {
        guard !labels.isEmpty else { throw KiteError.invalidArgument("a metric needs at least one row") }
        guard labels.count == probabilities.count else {
            throw KiteError.invalidArgument("labels and predictions differ in length: \(labels.count) and \(probabilities.count)")
        }
        let classes = probabilities[0].count
        guard classes >= 2, probabilities.allSatisfy({ $0.count == classes }) else {
            throw KiteError.invalidArgument("every row needs the same number (at least 2) of class probabilities")
        }
        guard labels.allSatisfy({ $0 >= 0 && $0 < Double(classes) && $0 == $0.rounded() }) else {
            throw KiteError.invalidArgument("multiclass labels must be class indices from 0 to \(classes - 1)")
        }
        guard probabilities.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw KiteError.invalidArgument("predictions must be finite numbers (found NaN or infinity)")
        }
        try SampleWeights.check(weights, rows: labels.count)
        return probabilities.map { GradientBoostedTrees.argmax($0) }
    }
}
