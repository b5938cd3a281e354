import Foundation
import KiteCore

/// GrowthBook's Bayesian comparison of a variant (`b`) with the control (`a`) (`gbstats`' `EffectBayesianABTest`):
/// a normal posterior for the absolute or relative (delta-method) difference — with a flat prior, or a proper
/// Gaussian one on the effect — and from it the chance to win, a credible interval and the risk (the expected
/// loss of choosing each side).
public struct BayesianTest: Sendable {
    /// A Gaussian prior on the effect, in the scale of `difference`; improper (ignored) unless `proper`.
    public struct Prior: Sendable, Hashable {
        public var mean: Double
        public var variance: Double
        public var proper: Bool

        public init(mean: Double = 0, variance: Double = 1, proper: Bool = false) {
            self.mean = mean
            self.variance = variance
            self.proper = proper
        }
    }

    /// What the test says; `error` names why it could not say more (chance to win 0.5, the rest zero).
    public struct Result: Sendable, Equatable {
        public var chanceToWin: Double
        /// The posterior mean of the difference.
        public var expected: Double
        public var standardDeviation: Double
        public var credibleInterval: (lower: Double, upper: Double)
        /// The expected loss of keeping the control, and of choosing the variant.
        public var risk: (control: Double, variant: Double)
        public var error: String?

        public static func == (lhs: Result, rhs: Result) -> Bool {
            lhs.chanceToWin == rhs.chanceToWin && lhs.expected == rhs.expected && lhs.standardDeviation == rhs.standardDeviation
                && lhs.credibleInterval == rhs.credibleInterval && lhs.risk == rhs.risk && lhs.error == rhs.error
        }
    }

    public var difference: FrequentistTest.Difference
    public var alpha: Double
    /// For metrics where lower is better.
    public var inverse: Bool
    public var prior: Prior

    public init(difference: FrequentistTest.Difference = .relative, alpha: Double = 0.05, inverse: Bool = false, prior: Prior = Prior()) {
        self.difference = difference
        self.alpha = alpha
        self.inverse = inverse
        self.prior = prior
    }

    public func compare(control a: MetricStatistic, variant b: MetricStatistic) -> Result { compare(control: a.arm, variant: b.arm) }

    /// Compares `b` with the control `a` given as test inputs (adjusted by CUPED, for instance).
    public func compare(control a: ArmStatistics, variant b: ArmStatistics) -> Result {
        let empty = { (message: String) in
            Result(chanceToWin: 0.5, expected: 0, standardDeviation: 0, credibleInterval: (0, 0), risk: (0, 0), error: message)
        }
        let relative = difference == .relative
        if relative && (a.mean == 0 || a.unadjustedMean == 0) { return empty("the control's mean is zero") }
        guard a.n > 0, b.n > 0 else { return empty("a variant has no units") }
        guard a.variance > 0, b.variance > 0 else { return empty("a variant has zero or negative variance") }
        let (dataMean, dataVariance) = ArmStatistics.difference(a, b, relative: relative)
        let precision = 1 / dataVariance + (prior.proper ? 1 / prior.variance : 0)
        let mean = prior.proper ? (dataMean / dataVariance + prior.mean / prior.variance) / precision : dataMean
        let sigma = (1 / precision).squareRoot()
        let chance = Normal.cdf(mean / sigma)
        let z = Normal.quantile(1 - alpha / 2)
        // The means of the posterior truncated below and above zero, weighted by their probabilities.
        let below = Normal.cdf(-mean / sigma)
        let meanBelow = mean - sigma * Normal.density(-mean / sigma) / below
        let meanAbove = mean + sigma * Normal.density(-mean / sigma) / (1 - below)
        let riskControl = below < 1 ? (1 - below) * meanAbove : 0
        let riskVariant = below > 0 ? -below * meanBelow : 0
        return Result(
            chanceToWin: inverse ? 1 - chance : chance, expected: mean, standardDeviation: sigma,
            credibleInterval: (mean - z * sigma, mean + z * sigma),
            risk: inverse ? (riskVariant, riskControl) : (riskControl, riskVariant))
    }
}
