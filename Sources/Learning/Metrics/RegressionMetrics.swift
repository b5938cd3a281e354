import Foundation
import KiteCore

/// Metrics of a regressor, defined exactly as scikit-learn 1.9 defines them.
public enum RegressionMetrics {
    /// Root of the mean squared error.
    public static func rmse(targets: [Double], predictions: [Double]) throws -> Double {
        try check(targets, predictions)
        var total = 0.0
        for (target, prediction) in zip(targets, predictions) { total += (target - prediction) * (target - prediction) }
        return (total / Double(targets.count)).squareRoot()
    }

    /// Mean absolute error.
    public static func mae(targets: [Double], predictions: [Double]) throws -> Double {
        try check(targets, predictions)
        var total = 0.0
        for (target, prediction) in zip(targets, predictions) { total += abs(target - prediction) }
        return total / Double(targets.count)
    }

    /// Coefficient of determination, 1 − SS_res / SS_tot; with constant targets it is 1 for a perfect fit and
    /// 0 otherwise (scikit-learn's `force_finite`).
    public static func r2(targets: [Double], predictions: [Double]) throws -> Double {
        try check(targets, predictions)
        let mean = targets.reduce(0, +) / Double(targets.count)
        var residual = 0.0
        var total = 0.0
        for (target, prediction) in zip(targets, predictions) {
            residual += (target - prediction) * (target - prediction)
            total += (target - mean) * (target - mean)
        }
        guard total != 0 else { return residual == 0 ? 1 : 0 }
        return 1 - residual / total
    }

    static func check(_ targets: [Double], _ predictions: [Double]) throws {
        guard !targets.isEmpty else { throw KiteError.invalidArgument("a metric needs at least one row") }
        guard targets.count == predictions.count else {
            throw KiteError.invalidArgument("targets and predictions differ in length: \(targets.count) and \(predictions.count)")
        }
        guard targets.allSatisfy(\.isFinite), predictions.allSatisfy(\.isFinite) else {
            throw KiteError.invalidArgument("targets and predictions must be finite numbers (found NaN or infinity)")
        }
    }
}
