import Foundation
import KiteCore

/// Metrics of a regressor, defined exactly as scikit-learn 1.9 defines them; `weights` are `sample_weight`.
public enum RegressionMetrics {
    /// Root of the mean squared error.
    public static func rmse(targets: [Double], predictions: [Double], weights: [Double]? = nil) throws -> Double {
        try check(targets, predictions, weights)
        var total = 0.0
        for (row, (target, prediction)) in zip(targets, predictions).enumerated() {
            total += SampleWeights.at(weights, row) * (target - prediction) * (target - prediction)
        }
        return (total / SampleWeights.total(weights, rows: targets.count)).squareRoot()
    }

    /// Mean absolute error.
    public static func mae(targets: [Double], predictions: [Double], weights: [Double]? = nil) throws -> Double {
        try check(targets, predictions, weights)
        var total = 0.0
        for (row, (target, prediction)) in zip(targets, predictions).enumerated() { total += SampleWeights.at(weights, row) * abs(target - prediction) }
        return total / SampleWeights.total(weights, rows: targets.count)
    }

    /// Coefficient of determination, 1 − SS_res / SS_tot; with constant targets it is 1 for a perfect fit and
    /// 0 otherwise (scikit-learn's `force_finite`). With weights, both sums and the mean are weighted.
    public static func r2(targets: [Double], predictions: [Double], weights: [Double]? = nil) throws -> Double {
        try check(targets, predictions, weights)
        let mean = targets.indices.reduce(0.0) { $0 + SampleWeights.at(weights, $1) * targets[$1] } / SampleWeights.total(weights, rows: targets.count)
        var residual = 0.0
        var total = 0.0
        for (row, (target, prediction)) in zip(targets, predictions).enumerated() {
            let weight = SampleWeights.at(weights, row)
            residual += weight * (target - prediction) * (target - prediction)
            total += weight * (target - mean) * (target - mean)
        }
        guard total != 0 else { return residual == 0 ? 1 : 0 }
        return 1 - residual / total
    }

    static func check(_ targets: [Double], _ predictions: [Double], _ weights: [Double]?) throws {
        guard !targets.isEmpty else { throw KiteError.invalidArgument("a metric needs at least one row") }
        guard targets.count == predictions.count else {
            throw KiteError.invalidArgument("targets and predictions differ in length: \(targets.count) and \(predictions.count)")
        }
        guard targets.allSatisfy(\.isFinite), predictions.allSatisfy(\.isFinite) else {
            throw KiteError.invalidArgument("targets and predictions must be finite numbers (found NaN or infinity)")
        }
        try SampleWeights.check(weights, rows: targets.count)
    }
}
