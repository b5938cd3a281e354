import Foundation
import KiteCore

/// The sample-ratio-mismatch check: whether the units each variant got fit its weight (Pearson's χ² goodness of
/// fit, with `variants − 1` degrees of freedom), as GrowthBook's `gbstats.check_srm` computes it.
public enum SampleRatioMismatch {
    /// The p-value threshold below which a split is flagged.
    public static let threshold = 0.001
    /// The fewest units per variant before a split is judged at all.
    public static let minimumUnits = 8

    /// The p-value of the χ² test of `units` against `weights` (variants with weight 0 are left out of the sum,
    /// not of the degrees of freedom); 1 when there are no units.
    public static func pValue(units: [Int], weights: [Double]) throws -> Double {
        guard units.count == weights.count, units.count >= 2 else {
            throw KiteError.invalidArgument("the SRM check needs one unit count per weight and at least two variants")
        }
        let total = Double(units.reduce(0, +))
        guard total > 0 else { return 1 }
        let totalWeight = weights.reduce(0, +)
        var statistic = 0.0
        for (observed, weight) in zip(units, weights) where weight > 0 {
            let expected = weight / totalWeight * total
            statistic += (Double(observed) - expected) * (Double(observed) - expected) / expected
        }
        return ChiSquared.survival(statistic, degreesOfFreedom: Double(units.count - 1))
    }

    /// Whether the split is flagged: every variant has at least `minimumUnits` units and the p-value is below
    /// `threshold`.
    public static func isMismatched(units: [Int], weights: [Double]) throws -> Bool {
        guard units.allSatisfy({ $0 >= minimumUnits }) else { return false }
        return try pValue(units: units, weights: weights) < threshold
    }
}
