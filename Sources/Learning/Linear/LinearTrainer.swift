import Foundation
import KiteCore

/// Fits linear models as scikit-learn's `Ridge` and `LogisticRegression` do, to their optimum: ridge by solving
/// the normal equations of the centred data (Cholesky), L2 logistic regression by L-BFGS on C · Σ logloss + ½‖w‖²,
/// elastic-net (and L1) logistic regression by proximal Newton steps (`ElasticNetLogistic`).
public enum LinearTrainer {
    /// Ridge regression: minimizes Σ vᵢ (yᵢ − xᵢw − b)² + alpha‖w‖², with vᵢ the row weights (`sample_weight`; nil:
    /// every row 1) — the normal equations of the data centred on its weighted means.
    public static func ridge(features x: Matrix, targets y: [Double], alpha: Double, weights v: [Double]? = nil) throws -> LinearModel {
        try check(x, y, "targets")
        try SampleWeights.check(v, rows: x.rows)
        guard alpha >= 0, alpha.isFinite else { throw KiteError.invalidArgument("ridge alpha must be a finite number ≥ 0, not \(alpha)") }
        let n = x.rows
        let d = x.columns
        let means = LinearModel.means(x, weights: v)
        let meanY = y.indices.reduce(0.0) { $0 + SampleWeights.at(v, $1) * y[$1] } / SampleWeights.total(v, rows: n)
        var gram = [Double](repeating: 0, count: d * d)
        var right = [Double](repeating: 0, count: d)
        var centred = [Double](repeating: 0, count: d)
        for row in 0..<n {
            let weight = SampleWeights.at(v, row)
            for j in 0..<d { centred[j] = x[row, j] - means[j] }
            let target = y[row] - meanY
            for j in 0..<d {
                right[j] += weight * centred[j] * target
                for k in j..<d { gram[j * d + k] += weight * centred[j] * centred[k] }
            }
        }
        for j in 0..<d {
            gram[j * d + j] += alpha
            for k in 0..<j { gram[j * d + k] = gram[k * d + j] }
        }
        let weights = try solveSymmetric(gram, right, size: d)
        var intercept = meanY
        for j in 0..<d { intercept -= weights[j] * means[j] }
        return LinearModel(kind: .ridge, weights: weights, intercept: intercept, featureMeans: means)
    }

    /// Binary logistic regression: minimizes C · Σ vᵢ loglossᵢ + (1 − l1Ratio)/2 ‖w‖² + l1Ratio ‖w‖₁ (scikit-learn's C,
    /// l1_ratio — 0 is the L2 penalty, 1 the L1 penalty, between them the elastic net — and sample_weight vᵢ).
    public static func logistic(
        features x: Matrix, labels y: [Double], c: Double = 1, l1Ratio: Double = 0, maxIterations: Int = 1000, tolerance: Double = 1e-10,
        weights v: [Double]? = nil
    ) throws -> LinearModel {
        try check(x, y, "labels")
        try SampleWeights.check(v, rows: x.rows)
        guard y.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw KiteError.invalidArgument("logistic regression labels must be 0 or 1") }
        guard y.contains(0), y.contains(1) else {
            throw KiteError.invalidArgument("logistic regression needs both classes in the labels; only \(Int(y[0])) is present")
        }
        guard c > 0, c.isFinite else { throw KiteError.invalidArgument("C must be a finite number > 0, not \(c)") }
        guard (0...1).contains(l1Ratio) else { throw KiteError.invalidArgument("l1_ratio must be between 0 and 1, not \(l1Ratio)") }
        if l1Ratio > 0 {
            var model = ElasticNetLogistic.fit(
                features: x, labels: y, weights: v, c: c, l1Ratio: l1Ratio, maxIterations: maxIterations, tolerance: tolerance)
            model.featureMeans = LinearModel.means(x, weights: v)
            return model
        }
        let d = x.columns
        // Parameters: d weights then the intercept. The data term is summed over row chunks on all cores, the
        // chunks added in order (the same result for a given core count).
        let chunks = Parallel.chunkCount(x.rows, minimumChunk: 10_000)
        let objective: ([Double]) -> (value: Double, gradient: [Double]) = { parameters in
            var partial = [Double](repeating: 0, count: chunks * (d + 2))
            partial.withUnsafeMutableBufferPointer { out in
                x.values.withUnsafeBufferPointer { values in
                    y.withUnsafeBufferPointer { labels in
                        let buffers = UncheckedSendable((out, values, labels))
                        Parallel.forEachChunk(x.rows, minimumChunk: 10_000) { chunk, rows in
                            let (out, values, labels) = buffers.value
                            let base = chunk * (d + 2)
                            for row in rows {
                                var z = parameters[d]
                                let offset = row * d
                                for j in 0..<d { z += parameters[j] * values[offset + j] }
                                let weight = SampleWeights.at(v, row)
                                out[base + d + 1] += weight * (LogisticLoss.softplus(z) - labels[row] * z)
                                let residual = weight * (LogisticLoss.sigmoid(z) - labels[row])
                                for j in 0..<d { out[base + j] += residual * values[offset + j] }
                                out[base + d] += residual
                            }
                        }
                    }
                }
            }
            var value = 0.0
            var gradient = [Double](repeating: 0, count: d + 1)
            for chunk in 0..<chunks {
                let base = chunk * (d + 2)
                for j in 0...d { gradient[j] += partial[base + j] }
                value += partial[base + d + 1]
            }
            value *= c
            for j in 0...d { gradient[j] *= c }
            for j in 0..<d {
                value += 0.5 * parameters[j] * parameters[j]
                gradient[j] += parameters[j]
            }
            return (value, gradient)
        }
        let solution = try LBFGS.minimize(
            objective, start: [Double](repeating: 0, count: d + 1), maxIterations: maxIterations,
            gradientTolerance: tolerance * Swift.max(1, c * Double(x.rows)))
        return LinearModel(kind: .logistic, weights: Array(solution.prefix(d)), intercept: solution[d], featureMeans: LinearModel.means(x, weights: v))
    }

    static func check(_ x: Matrix, _ y: [Double], _ name: String) throws {
        guard x.rows >= 2 else { throw KiteError.invalidArgument("training needs at least two rows, not \(x.rows)") }
        guard x.columns >= 1 else { throw KiteError.invalidArgument("training needs at least one feature") }
        guard y.count == x.rows else { throw KiteError.invalidArgument("\(x.rows) rows of features but \(y.count) \(name)") }
        guard x.values.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else {
            throw KiteError.invalidArgument("linear models need finite features and \(name): impute missing values first")
        }
    }

    /// Solves A·x = b for symmetric positive-definite A by Cholesky.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) throws -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    // A pivot that vanishes next to its diagonal entry: the column is (numerically) dependent.
                    guard sum > 1e-12 * Swift.max(abs(a[i * n + i]), .leastNormalMagnitude) else {
                        throw KiteError.invalidArgument("the features are collinear (a column is constant or a copy of others); use alpha > 0")
                    }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var z = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * z[k] }
            z[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = z[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
