/// What the data of an experiment shows: the units exposed to each variant, each metric's results against the
/// control, and — for outcomes that name their prediction (labels) — the model's quality per variant.
public struct ExperimentAnalysis: Sendable {
    /// The model's quality on one variant's labelled predictions.
    public struct ModelQuality: Sendable {
        public var variant: String
        /// How many of the variant's predictions have a label.
        public var labelled: Int
        /// ROC AUC; nil without both classes among the labels.
        public var auc: Double?
        /// Log loss of the logged probabilities; nil without labels.
        public var logLoss: Double?
    }

    /// Exposed units per variant, in the definition's order.
    public var units: [Int]
    /// The sample-ratio-mismatch p-value of `units` against the weights, and whether it is flagged.
    public var sampleRatioPValue: Double
    public var sampleRatioMismatch: Bool
    /// Each analysed metric (the definition's, else every metric with outcomes) and its results.
    public var metrics: [(name: String, results: ExperimentResults)]
    /// The model's quality per variant, by metric, for metrics whose outcomes name their predictions.
    public var quality: [String: [ModelQuality]]
}
