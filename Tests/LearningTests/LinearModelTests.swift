import Foundation
import KiteCore
import KiteTesting
import Learning
import Testing

/// Logistic regression and ridge against scikit-learn's coefficients on the same standardized data.
@Suite struct LinearModelTests {
    func reference(seed: Int, rows: Int, features: Int, c: Double, alpha: Double, l1Ratio: Double, weighted: Bool = false) throws -> [String: Any] {
        let output = try Subprocess.python(
            "sklearn_linear_peer.py",
            [String(seed), String(rows), String(features), String(c), String(alpha), String(l1Ratio)] + (weighted ? ["weighted"] : []))
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    func numbers(_ value: Any?) -> [Double] { (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }
    func number(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }

    /// Relative agreement within 1e-4 (of the coefficient, or of 1 for small ones).
    func expectClose(_ kite: [Double], _ sklearn: [Double], _ what: String) {
        #expect(kite.count == sklearn.count, "\(what): \(kite.count) vs \(sklearn.count) values")
        for (a, b) in zip(kite, sklearn) {
            #expect(abs(a - b) <= 1e-4 * Swift.max(1, abs(b)), "\(what): kite \(a), scikit-learn \(b)")
        }
    }

    /// Unweighted, and with sample weights (scikit-learn's `sample_weight`).
    @Test(arguments: [(11, 500, 5, 1.0, 1.0, 0.5, false), (12, 3000, 12, 0.05, 25.0, 1.0, false), (13, 800, 6, 0.5, 5.0, 0.5, true)])
    func matchScikitLearn(seed: Int, rows: Int, features: Int, c: Double, alpha: Double, l1Ratio: Double, weighted: Bool) throws {
        let ref = try reference(seed: seed, rows: rows, features: features, c: c, alpha: alpha, l1Ratio: l1Ratio, weighted: weighted)
        let w = weighted ? numbers(ref["w"]) : nil
        let x = try Matrix(rows: rows, columns: features, values: numbers(ref["x"]))
        let logistic = try LinearTrainer.logistic(features: x, labels: numbers(ref["y"]), c: c, weights: w)
        expectClose(logistic.weights + [logistic.intercept], numbers(ref["logistic_coef"]) + [number(ref["logistic_intercept"])], "logistic")
        let firstRows = try Matrix(rows: 10, columns: features, values: Array(x.values.prefix(10 * features)))
        expectClose(try logistic.predict(firstRows), numbers(ref["logistic_proba"]), "probabilities")

        // Elastic net (and L1 alone): the same weights, the same exact zeros.
        let elastic = try LinearTrainer.logistic(features: x, labels: numbers(ref["y"]), c: c, l1Ratio: l1Ratio, weights: w)
        let expected = numbers(ref["elastic_coef"])
        expectClose(elastic.weights + [elastic.intercept], expected + [number(ref["elastic_intercept"])], "elastic net \(l1Ratio)")
        #expect(elastic.weights.map { $0 == 0 } == expected.map { $0 == 0 } && (l1Ratio < 1 || expected.contains(0)))

        let xr = try Matrix(rows: rows, columns: features, values: numbers(ref["xr"]))
        let ridge = try LinearTrainer.ridge(features: xr, targets: numbers(ref["yr"]), alpha: alpha, weights: w)
        expectClose(ridge.weights + [ridge.intercept], numbers(ref["ridge_coef"]) + [number(ref["ridge_intercept"])], "ridge")
    }

    @Test func badInputIsAClearError() throws {
        let x = try Matrix([[1, 2], [3, 4], [5, 7]])
        #expect(throws: KiteError.self) { try LinearTrainer.logistic(features: x, labels: [1, 1, 1]) }
        #expect(throws: KiteError.self) { try LinearTrainer.logistic(features: x, labels: [0, 1, 2]) }
        #expect(throws: KiteError.self) { try LinearTrainer.logistic(features: x, labels: [0, 1]) }
        #expect(throws: KiteError.self) { try LinearTrainer.logistic(features: x, labels: [0, 1, 0], c: 0) }
        #expect(throws: KiteError.self) { try LinearTrainer.logistic(features: x, labels: [0, 1, 0], l1Ratio: 1.5) }
        #expect(throws: KiteError.self) { try LinearTrainer.ridge(features: try Matrix([[1, .nan], [2, 3]]), targets: [1, 2], alpha: 1) }
        #expect(throws: KiteError.self) { try LinearTrainer.ridge(features: try Matrix([[1, 1], [2, 2], [3, 3]]), targets: [1, 2, 3], alpha: 0) }
        #expect(throws: KiteError.self) { try LinearTrainer.ridge(features: try Matrix([[1]]), targets: [1], alpha: 1) }
        #expect(throws: KiteError.self) { try Matrix(rows: 2, columns: 2, values: [1, 2, 3]) }
        #expect(throws: KiteError.self) { try LinearTrainer.ridge(features: x, targets: [1, 2, 3], alpha: -1) }
        #expect(throws: KiteError.self) { try LinearModel(kind: .ridge, weights: [1], intercept: 0).predict(x) }
    }

    @Test func predictionsOfABatchEqualThoseOfOneRow() throws {
        let model = LinearModel(kind: .logistic, weights: [0.5, -1.25], intercept: 0.1)
        let x = try Matrix([[1, 2], [-3, 0.5], [100, -100]])
        let batch = try model.predict(x)
        for row in 0..<3 {
            #expect(batch[row] == model.predict([x[row, 0], x[row, 1]]))
        }
        #expect(batch[2] == 1 && batch[0] > 0 && batch[0] < 1)
    }
}
