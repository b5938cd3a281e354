import KiteCore

/// The settings of gradient-boosted trees, named and defaulted as LightGBM names and defaults them.
public struct GBDTParameters: Sendable, Hashable, Codable {
    /// What the model predicts and which loss it minimizes.
    public enum Objective: String, Sendable, Hashable, Codable {
        /// Probability of class 1; log loss.
        case binary
        /// A number; squared error (L2).
        case regression
        /// A number; absolute error (L1). Each leaf's output is the median of its rows' residuals, as LightGBM
        /// renews it.
        case regressionL1 = "regression_l1"
        /// A number; Huber loss: squared within `alpha` of the target, absolute beyond.
        case huber
        /// One of `numClass` classes (labels 0, 1, …); softmax over one tree per class and round, log loss.
        case multiclass
    }

    public var objective: Objective = .binary
    /// The number of classes of a multiclass objective (1 for the others).
    public var numClass = 1
    public var numIterations = 100
    public var learningRate = 0.1
    public var numLeaves = 31
    /// At most this deep; 0 or less means no limit.
    public var maxDepth = -1
    public var minDataInLeaf = 20
    public var minSumHessianInLeaf = 1e-3
    public var lambdaL1 = 0.0
    public var lambdaL2 = 0.0
    public var minGainToSplit = 0.0
    public var maxBins = 255
    /// The share of rows each tree sees when `baggingFrequency` > 0.
    public var baggingFraction = 1.0
    public var baggingFrequency = 0
    /// The share of features each tree may split on.
    public var featureFraction = 1.0
    /// Stop when the validation loss has not improved for this many rounds (0: never).
    public var earlyStoppingRounds = 0
    public var seed: UInt64 = 0
    /// The Huber loss's threshold between its squared and absolute parts.
    public var alpha = 0.9
    /// Binary: the weight of positive rows' gradients (LightGBM's `scale_pos_weight`).
    public var scalePosWeight = 1.0
    /// Binary: weight the rarer class up to balance the classes (LightGBM's `is_unbalance`).
    public var isUnbalance = false
    /// LightGBM's `num_threads`, kept for the run's record: Kite trains on every core (0, LightGBM's default).
    public var numThreads = 0
    /// The features (matrix columns) split on as categories — their values are category codes 0, 1, …; a missing
    /// or negative code is missing — as LightGBM's `categorical_feature` does.
    public var categoricalFeatures: Set<Int> = []
    /// A categorical feature with at most this many categories is split one category against the rest.
    public var maxCatToOnehot = 4
    /// Smoothing of a category's gradient/hessian ratio (the order categories are tried in); categories with fewer
    /// rows than this are left out of many-vs-many splits.
    public var catSmooth = 10.0
    /// Extra L2 regularization of many-vs-many categorical splits.
    public var catL2 = 10.0
    /// At most this many categories on the smaller side of a many-vs-many split.
    public var maxCatThreshold = 32
    /// Rows a group of categories needs before a categorical split may end after it.
    public var minDataPerGroup = 100

    /// LightGBM's `metric`, kept for the run's record (every metric of the task is computed at the end; early
    /// stopping watches the objective's loss). Empty: not given.
    public var metric = ""

    /// The (negative, positive) class weights of binary training on `labels`, as LightGBM computes them:
    /// `is_unbalance` gives the rarer class the ratio of the counts, and `scale_pos_weight` multiplies the positive one.
    func classWeights(_ labels: [Double]) -> SIMD2<Double> {
        var weights = SIMD2<Double>(1, 1)
        let positives = labels.reduce(0, +)
        let negatives = Double(labels.count) - positives
        if isUnbalance, positives > 0, negatives > 0 {
            if positives > negatives { weights.x = positives / negatives } else { weights.y = negatives / positives }
        }
        weights.y *= scalePosWeight
        return weights
    }

    /// LightGBM's defaults for `objective`.
    public init(objective: Objective = .binary) { self.objective = objective }

    /// Checks every setting, naming the bad one.
    public func validate() throws {
        func require(_ ok: Bool, _ message: String) throws { if !ok { throw KiteError.invalidArgument(message) } }
        if objective == .multiclass {
            try require((2...1000).contains(numClass), "num_class must be between 2 and 1000 for multiclass, not \(numClass)")
        } else {
            try require(numClass == 1, "num_class is only for the multiclass objective; \(objective.rawValue) needs 1, not \(numClass)")
        }
        try require(numIterations >= 1, "num_iterations must be at least 1, not \(numIterations)")
        try require(learningRate > 0 && learningRate.isFinite, "learning_rate must be > 0, not \(learningRate)")
        try require(numLeaves >= 2 && numLeaves <= 131_072, "num_leaves must be between 2 and 131072, not \(numLeaves)")
        try require(minDataInLeaf >= 1, "min_data_in_leaf must be at least 1, not \(minDataInLeaf)")
        try require(minSumHessianInLeaf >= 0, "min_sum_hessian_in_leaf must be ≥ 0, not \(minSumHessianInLeaf)")
        try require(lambdaL1 >= 0 && lambdaL2 >= 0, "lambda_l1 and lambda_l2 must be ≥ 0")
        try require(minGainToSplit >= 0, "min_gain_to_split must be ≥ 0, not \(minGainToSplit)")
        try require((3...256).contains(maxBins), "max_bins must be between 3 and 256, not \(maxBins)")
        try require(baggingFraction > 0 && baggingFraction <= 1, "bagging_fraction must be in (0, 1], not \(baggingFraction)")
        try require(baggingFrequency >= 0, "bagging_freq must be ≥ 0, not \(baggingFrequency)")
        try require(featureFraction > 0 && featureFraction <= 1, "feature_fraction must be in (0, 1], not \(featureFraction)")
        try require(alpha > 0 && alpha.isFinite, "alpha must be > 0, not \(alpha)")
        try require(scalePosWeight > 0 && scalePosWeight.isFinite, "scale_pos_weight must be > 0, not \(scalePosWeight)")
        try require(earlyStoppingRounds >= 0, "early_stopping_rounds must be ≥ 0, not \(earlyStoppingRounds)")
        try require(maxCatToOnehot >= 1, "max_cat_to_onehot must be at least 1, not \(maxCatToOnehot)")
        try require(catSmooth >= 0 && catL2 >= 0, "cat_smooth and cat_l2 must be ≥ 0")
        try require(maxCatThreshold >= 1, "max_cat_threshold must be at least 1, not \(maxCatThreshold)")
        try require(minDataPerGroup >= 1, "min_data_per_group must be at least 1, not \(minDataPerGroup)")
    }
}
