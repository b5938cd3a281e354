import KiteCore

/// The analysis of one metric of an experiment: each variant's units, mean and variance, the sample-ratio-mismatch
/// check of the units against the weights, and each variant against the control (the first) — frequentist (Welch,
/// or sequential when `sequentialTuning` is set) and Bayesian — optionally with CUPED.
public struct ExperimentResults: Sendable {
    /// One variant's row.
    public struct Row: Sendable {
        public var variant: String
        public var units: Int
        public var mean: Double
        public var variance: Double
        /// Against the control; nil for the control itself.
        public var frequentist: FrequentistTest.Result?
        public var bayesian: BayesianTest.Result?
    }

    public var rows: [Row]
    /// The SRM p-value, and whether the split is flagged.
    public var sampleRatioPValue: Double
    public var sampleRatioMismatch: Bool

    /// Analyses `metrics` (one statistic per variant, control first), split by `weights`. With `preExperiment`
    /// (each variant's pre-period statistic and Σ post·pre), the comparisons are CUPED-adjusted.
    public static func analyze(
        variants: [String], weights: [Double], metrics: [MetricStatistic], preExperiment: [(pre: MetricStatistic, sumOfProducts: Double)]? = nil,
        frequentist: FrequentistTest = FrequentistTest(), bayesian: BayesianTest = BayesianTest()
    ) throws -> ExperimentResults {
        guard variants.count >= 2, variants.count == weights.count, variants.count == metrics.count else {
            throw KiteError.invalidArgument("an analysis needs at least two variants, with one weight and one statistic each")
        }
        if let preExperiment, preExperiment.count != metrics.count {
            throw KiteError.invalidArgument("CUPED needs a pre-experiment statistic for every variant")
        }
        let units = metrics.map(\.n)
        var rows: [Row] = []
        for (index, metric) in metrics.enumerated() {
            var row = Row(variant: variants[index], units: metric.n, mean: metric.mean, variance: metric.variance)
            if index > 0 {
                var (control, variant) = (metrics[0].arm, metric.arm)
                if let preExperiment {
                    (control, variant) = CUPED.adjust(
                        control: CUPED.Metric(post: metrics[0], pre: preExperiment[0].pre, sumOfProducts: preExperiment[0].sumOfProducts),
                        variant: CUPED.Metric(post: metric, pre: preExperiment[index].pre, sumOfProducts: preExperiment[index].sumOfProducts))
                }
                row.frequentist = frequentist.compare(control: control, variant: variant)
                row.bayesian = bayesian.compare(control: control, variant: variant)
            }
            rows.append(row)
        }
        return ExperimentResults(
            rows: rows, sampleRatioPValue: try SampleRatioMismatch.pValue(units: units, weights: weights),
            sampleRatioMismatch: try SampleRatioMismatch.isMismatched(units: units, weights: weights))
    }
}
