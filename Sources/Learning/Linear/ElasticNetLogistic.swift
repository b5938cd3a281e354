import Foundation
import KiteCore

/// Logistic regression with an elastic-net penalty, as scikit-learn's `LogisticRegression(l1_ratio: ρ)` defines
/// it: minimizes C · Σ logloss + (1 − ρ)/2 ‖w‖² + ρ‖w‖₁, the intercept unpenalized. Solved by proximal Newton
/// steps (glmnet's method): at the current weights the log loss is replaced by its second-order expansion, that
/// penalized least-squares problem is solved by cyclic coordinate descent with soft-thresholding (exact zeros
/// for the features the L1 part drops), and a backtracking line search on the true objective takes the step.
enum ElasticNetLogistic {
    static func fit(
        features x: Matrix, labels y: [Double], weights v: [Double]?, c: Double, l1Ratio rho: Double, maxIterations: Int, tolerance: Double
    ) -> LinearModel {
        let n = x.rows
        let d = x.columns
        var w = [Double](repeating: 0, count: d)
        var b = 0.0
        // The design column by column, for the coordinate sweeps.
        var columns = [Double](repeating: 0, count: n * d)
        for row in 0..<n { for j in 0..<d { columns[j * n + row] = x.values[row * d + j] } }
        func objective(_ w: [Double], _ b: Double) -> Double {
            var loss = 0.0
            for row in 0..<n {
                var z = b
                for j in 0..<d { z += w[j] * x.values[row * d + j] }
                loss += SampleWeights.at(v, row) * (LogisticLoss.softplus(z) - y[row] * z)
            }
            var penalty = 0.0
            for j in 0..<d { penalty += 0.5 * (1 - rho) * w[j] * w[j] + rho * abs(w[j]) }
            return c * loss + penalty
        }
        var current = objective(w, b)
        var g = [Double](repeating: 0, count: n)
        var h = [Double](repeating: 0, count: n)
        var r = [Double](repeating: 0, count: n)
        for _ in 0..<maxIterations {
            // The expansion at (w, b): per-row gradient and curvature of C · logloss.
            for row in 0..<n {
                var z = b
                for j in 0..<d { z += w[j] * x.values[row * d + j] }
                let p = LogisticLoss.sigmoid(z)
                let weight = SampleWeights.at(v, row)
                g[row] = c * weight * (p - y[row])
                h[row] = Swift.max(c * weight * p * (1 - p), 1e-12)
                r[row] = 0
            }
            // Coordinate descent on the expansion; `next` holds the proposed weights, r the change in scores.
            var next = w
            var nextB = b
            for _ in 0..<1000 {
                var largest = 0.0
                var sumG = 0.0
                var sumH = 0.0
                for row in 0..<n {
                    sumG += g[row] + h[row] * r[row]
                    sumH += h[row]
                }
                let shift = -sumG / sumH
                for row in 0..<n { r[row] += shift }
                nextB += shift
                largest = Swift.max(largest, abs(shift))
                for j in 0..<d {
                    let column = j * n
                    var curvature = 0.0
                    var slope = 0.0
                    for row in 0..<n {
                        let value = columns[column + row]
                        curvature += h[row] * value * value
                        slope += (g[row] + h[row] * r[row]) * value
                    }
                    let old = next[j]
                    let target = curvature * old - slope
                    let updated = (target > rho ? target - rho : target < -rho ? target + rho : 0) / (curvature + 1 - rho)
                    let change = updated - old
                    if change != 0 {
                        for row in 0..<n { r[row] += change * columns[column + row] }
                        next[j] = updated
                        largest = Swift.max(largest, abs(change))
                    }
                }
                if largest <= tolerance * 0.1 { break }
            }
            // Backtrack along the step until the true objective does not increase.
            var step = 1.0
            var accepted = false
            var stepSize = 0.0
            while step > 1e-10 {
                let trialW = zip(w, next).map { $0 + step * ($1 - $0) }
                let trialB = b + step * (nextB - b)
                let value = objective(trialW, trialB)
                if value <= current + 1e-12 * Swift.max(1, abs(current)) {
                    stepSize = Swift.max(abs(trialB - b), zip(trialW, w).map { abs($0 - $1) }.max() ?? 0)
                    w = trialW
                    b = trialB
                    current = value
                    accepted = true
                    break
                }
                step /= 2
            }
            if !accepted || stepSize <= tolerance { break }
        }
        return LinearModel(kind: .logistic, weights: w, intercept: b)
    }
}
