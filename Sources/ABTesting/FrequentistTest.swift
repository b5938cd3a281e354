import Foundation

/// GrowthBook's frequentist comparison of a variant (`b`) with the control (`a`): Welch's t-test with unequal
/// variances and the Welch–Satterthwaite degrees of freedom, on the absolute or relative (delta-method) difference
/// of means; or the sequential (always-valid) version, so results may be looked at any time. The numbers equal
/// `gbstats`'s `TwoSidedTTest` and `SequentialTwoSidedTTest`.
public struct FrequentistTest: Sendable {
    public enum Difference: String, Sendable { case absolute, relative }

    /// What the test says; `error` names why it could not say more (the other fields are then zero, p = 1).
    public struct Result: Sendable, Equatable {
        /// The estimated difference (a share of the control's mean when relative).
        public var expected: Double
        public var confidenceInterval: (lower: Double, upper: Double)
        public var pValue: Double
        /// The difference's standard error.
        public var standardError: Double
        public var error: String?

        public static func == (lhs: Result, rhs: Result) -> Bool {
            lhs.expected == rhs.expected && lhs.confidenceInterval == rhs.confidenceInterval && lhs.pValue == rhs.pValue
                && lhs.standardError == rhs.standardError && lhs.error == rhs.error
        }
    }

    public var difference: Difference = .relative
    /// 1 − the confidence level.
    public var alpha = 0.05
    /// The difference the null hypothesis assumes.
    public var testValue = 0.0
    /// With a value, the sequential test with this tuning parameter (gbstats' default is 5,000).
    public var sequentialTuning: Double?

    public init(difference: Difference = .relative, alpha: Double = 0.05, testValue: Double = 0, sequentialTuning: Double? = nil) {
        self.difference = difference
        self.alpha = alpha
        self.testValue = testValue
        self.sequentialTuning = sequentialTuning
    }

    /// Compares `b` with the control `a`.
    public func compare(control a: MetricStatistic, variant b: MetricStatistic) -> Result { compare(control: a.arm, variant: b.arm) }

    /// Compares `b` with the control `a` given as test inputs (adjusted by CUPED, for instance).
    public func compare(control a: ArmStatistics, variant b: ArmStatistics) -> Result {
        let empty = { (message: String) in Result(expected: 0, confidenceInterval: (0, 0), pValue: 1, standardError: 0, error: message) }
        guard a.mean != 0, a.unadjustedMean != 0 else { return empty("the control's mean is zero") }
        guard a.variance > 0, b.variance > 0 else { return empty("a variant has zero or negative variance") }
        let (na, nb) = (Double(a.n), Double(b.n))
        let (estimate, variance) = ArmStatistics.difference(a, b, relative: difference == .relative)
        let standardError = variance.squareRoot()
        if let tuning = sequentialTuning {
            let n = na + nb
            let rho = ((-2 * log(alpha) + log(-2 * log(alpha) + 1)) / tuning).squareRoot()
            let s2 = variance * n
            let width = s2.squareRoot() * ((2 * (n * rho * rho + 1)) * log((n * rho * rho + 1).squareRoot() / alpha) / pow(n * rho, 2)).squareRoot()
            let st2 = pow(estimate - testValue, 2) * n / variance
            let tr2p1 = n * rho * rho + 1
            let evidence = exp(rho * rho * st2 / (2 * tr2p1)) / tr2p1.squareRoot()
            return Result(
                expected: estimate, confidenceInterval: (estimate - width, estimate + width), pValue: min(1 / evidence, 1), standardError: standardError)
        }
        let dof =
            pow(b.variance / nb + a.variance / na, 2)
            / (pow(b.variance, 2) / (nb * nb * (nb - 1)) + pow(a.variance, 2) / (na * na * (na - 1)))
        let t = (estimate - testValue) / standardError
        let width = StudentT.quantile(1 - alpha / 2, dof: dof) * standardError
        return Result(
            expected: estimate, confidenceInterval: (estimate - width, estimate + width), pValue: StudentT.twoSidedTail(abs(t), dof: dof),
            standardError: standardError)
    }
}
