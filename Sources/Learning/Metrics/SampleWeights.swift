import KiteCore

/// Per-row weights, as scikit-learn's `sample_weight` and LightGBM's `weight` take them: a row of weight w counts
/// as w rows in every sum. Nil means every row weighs 1.
public enum SampleWeights {
    /// Checks that `weights` has one finite, non-negative value per row and that they do not all vanish.
    public static func check(_ weights: [Double]?, rows: Int) throws {
        guard let weights else { return }
        guard weights.count == rows else { throw KiteError.invalidArgument("\(weights.count) weights for \(rows) rows") }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw KiteError.invalidArgument("weights must be finite numbers ≥ 0 (found a negative, NaN or infinite one)")
        }
        guard weights.contains(where: { $0 > 0 }) else { throw KiteError.invalidArgument("every weight is 0: nothing is left to learn from or measure") }
    }

    /// Row `row`'s weight.
    @inline(__always)
    static func at(_ weights: [Double]?, _ row: Int) -> Double { weights?[row] ?? 1 }

    /// The total weight of `rows` rows.
    static func total(_ weights: [Double]?, rows: Int) -> Double { weights?.reduce(0, +) ?? Double(rows) }
}
