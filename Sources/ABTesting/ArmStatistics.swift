import Foundation

/// What a test needs of one variant's metric: units, the mean it compares, the unadjusted mean relative
/// differences divide by, and the variance. From a `MetricStatistic` (`.arm`) or from CUPED (`CUPED.adjust`).
public struct ArmStatistics: Sendable, Hashable {
    public var n: Int
    public var mean: Double
    public var unadjustedMean: Double
    public var variance: Double

    public init(n: Int, mean: Double, unadjustedMean: Double, variance: Double) {
        self.n = n
        self.mean = mean
        self.unadjustedMean = unadjustedMean
        self.variance = variance
    }

    /// The absolute or relative (delta-method) difference of `b` from `a`, and its variance, as gbstats computes
    /// them: the relative difference divides by `a`'s unadjusted mean, and its variance uses unadjusted means.
    static func difference(_ a: ArmStatistics, _ b: ArmStatistics, relative: Bool) -> (estimate: Double, variance: Double) {
        let (na, nb) = (Double(a.n), Double(b.n))
        guard relative else { return (b.mean - a.mean, b.variance / nb + a.variance / na) }
        let (ma, mb) = (a.unadjustedMean, b.unadjustedMean)
        return ((b.mean - a.mean) / ma, b.variance / (pow(ma, 2) * nb) + a.variance * pow(mb, 2) / (pow(ma, 4) * na))
    }
}

extension MetricStatistic {
    /// This metric as a test's input (no adjustment).
    public var arm: ArmStatistics { ArmStatistics(n: n, mean: mean, unadjustedMean: mean, variance: variance) }
}
