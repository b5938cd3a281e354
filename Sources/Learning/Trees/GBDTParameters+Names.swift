import KiteCore

/// Setting parameters by LightGBM's names and aliases, as a training config or a LightGBM user writes them.
extension GBDTParameters {
    /// Each parameter's LightGBM name, its accepted aliases (LightGBM's and scikit-learn API's), and how to set it.
    private static let names: [(name: String, aliases: [String], set: @Sendable (inout GBDTParameters, Double) throws -> Void)] = [
        (
            "num_iterations", ["num_iteration", "n_iter", "num_tree", "num_trees", "num_round", "num_rounds", "num_boost_round", "n_estimators"],
            { $0.numIterations = try whole($1, "num_iterations") }
        ),
        ("learning_rate", ["shrinkage_rate", "eta"], { $0.learningRate = $1 }),
        ("num_leaves", ["num_leaf", "max_leaves", "max_leaf", "max_leaf_nodes"], { $0.numLeaves = try whole($1, "num_leaves") }),
        ("max_depth", [], { $0.maxDepth = try whole($1, "max_depth") }),
        (
            "min_data_in_leaf", ["min_data_per_leaf", "min_data", "min_child_samples", "min_samples_leaf"],
            { $0.minDataInLeaf = try whole($1, "min_data_in_leaf") }
        ),
        (
            "min_sum_hessian_in_leaf", ["min_sum_hessian_per_leaf", "min_sum_hessian", "min_hessian", "min_child_weight"],
            { $0.minSumHessianInLeaf = $1 }
        ),
        ("lambda_l1", ["reg_alpha", "l1_regularization"], { $0.lambdaL1 = $1 }),
        ("lambda_l2", ["reg_lambda", "lambda", "l2_regularization"], { $0.lambdaL2 = $1 }),
        ("min_gain_to_split", ["min_split_gain"], { $0.minGainToSplit = $1 }),
        ("max_bin", ["max_bins"], { $0.maxBins = try whole($1, "max_bin") }),
        ("bagging_fraction", ["sub_row", "subsample", "bagging"], { $0.baggingFraction = $1 }),
        ("bagging_freq", ["subsample_freq"], { $0.baggingFrequency = try whole($1, "bagging_freq") }),
        ("feature_fraction", ["sub_feature", "colsample_bytree"], { $0.featureFraction = $1 }),
        (
            "early_stopping_round", ["early_stopping_rounds", "early_stopping", "n_iter_no_change"],
            { $0.earlyStoppingRounds = try whole($1, "early_stopping_round") }
        ),
        ("alpha", [], { $0.alpha = $1 }),
        ("max_cat_to_onehot", [], { $0.maxCatToOnehot = try whole($1, "max_cat_to_onehot") }),
        ("cat_smooth", [], { $0.catSmooth = $1 }),
        ("cat_l2", [], { $0.catL2 = $1 }),
        ("max_cat_threshold", [], { $0.maxCatThreshold = try whole($1, "max_cat_threshold") }),
        ("min_data_per_group", [], { $0.minDataPerGroup = try whole($1, "min_data_per_group") }),
        ("scale_pos_weight", [], { $0.scalePosWeight = $1 }),
        (
            "is_unbalance", ["unbalance", "unbalanced_sets"],
            {
                guard $1 == 0 || $1 == 1 else { throw KiteError.invalidArgument("is_unbalance must be true or false") }
                $0.isUnbalance = $1 == 1
            }
        ),
        (
            "num_class", ["num_classes"],
            {
                guard $1 >= 1, $1 == $1.rounded(), $1 < 1e6 else { throw KiteError.invalidArgument("num_class must be a whole number ≥ 1, not \($1)") }
                $0.numClass = Int($1)
            }
        ),
        ("num_threads", ["num_thread", "nthread", "nthreads", "n_jobs"], { $0.numThreads = max(0, try whole($1, "num_threads")) }),
        // Kite's training is deterministic whatever this says, and its output is set by the command line.
        (
            "deterministic", [],
            { _, value in
                guard value == 0 || value == 1 else { throw KiteError.invalidArgument("deterministic must be true or false") }
            }
        ),
        ("verbosity", ["verbose"], { _, value in _ = try whole(value, "verbosity") }),
        (
            "seed", ["random_seed", "random_state"],
            {
                guard $1 >= 0, $1 == $1.rounded(), $1 < 1.8e19 else { throw KiteError.invalidArgument("seed must be a whole number ≥ 0, not \($1)") }
                $0.seed = UInt64($1)
            }
        ),
    ]

    /// The objective LightGBM calls `name` (or an alias of it: `l2`, `mse`, `l1`, `mae`, …).
    public static func objective(named name: String) throws -> Objective {
        switch name {
        case "binary": return .binary
        case "multiclass", "softmax": return .multiclass
        case "regression", "regression_l2", "l2", "mean_squared_error", "mse", "l2_root", "root_mean_squared_error", "rmse": return .regression
        case "regression_l1", "l1", "mean_absolute_error", "mae": return .regressionL1
        case "huber": return .huber
        default: throw KiteError.invalidArgument("unknown objective '\(name)'; known: binary, multiclass, regression, regression_l1, huber")
        }
    }

    /// LightGBM's metric names (and aliases) a config's `metric` may give.
    public static let metricNames: Set<String> = [
        "auc", "binary_logloss", "binary", "binary_error", "multi_logloss", "multiclass", "softmax", "multi_error",
        "l2", "mse", "mean_squared_error", "regression", "regression_l2", "rmse", "l2_root", "root_mean_squared_error",
        "l1", "mae", "mean_absolute_error", "regression_l1", "huber", "average_precision", "None", "na", "null", "custom",
    ]

    /// The LightGBM names this accepts, without their aliases.
    public static var mainParameterNames: [String] { names.map(\.name) }

    /// The LightGBM names this accepts (aliases included).
    public static var parameterNames: [String] { names.flatMap { [$0.name] + $0.aliases } }

    /// Sets the parameter LightGBM calls `name` (or one of its aliases) to `value` (1 or 0 for true or false).
    public mutating func set(_ name: String, to value: Double) throws {
        guard let entry = Self.names.first(where: { $0.name == name || $0.aliases.contains(name) }) else {
            throw KiteError.invalidArgument("unknown GBDT parameter '\(name)'; known: \(Self.names.map(\.name).joined(separator: ", "))")
        }
        guard value.isFinite else { throw KiteError.invalidArgument("\(entry.name) must be a finite number") }
        try entry.set(&self, value)
    }

    /// Every setting by its LightGBM name, as a run records its params.
    public var named: [String: String] {
        [
            "objective": objective.rawValue, "num_iterations": String(numIterations), "learning_rate": String(learningRate),
            "num_leaves": String(numLeaves), "max_depth": String(maxDepth), "min_data_in_leaf": String(minDataInLeaf),
            "min_sum_hessian_in_leaf": String(minSumHessianInLeaf), "lambda_l1": String(lambdaL1), "lambda_l2": String(lambdaL2),
            "min_gain_to_split": String(minGainToSplit), "max_bin": String(maxBins), "bagging_fraction": String(baggingFraction),
            "bagging_freq": String(baggingFrequency), "feature_fraction": String(featureFraction),
            "early_stopping_round": String(earlyStoppingRounds), "seed": String(seed), "num_threads": String(numThreads),
        ].merging(metric.isEmpty ? [:] : ["metric": metric]) { a, _ in a }.merging(categoricalNamed) { a, _ in a }.merging(
            objective == .multiclass
                ? ["num_class": String(numClass)]
                : objective == .huber
                    ? ["alpha": String(alpha)]
                    : objective == .binary ? ["scale_pos_weight": String(scalePosWeight), "is_unbalance": String(isUnbalance)] : [:]
        ) { a, _ in a }
    }

    /// The categorical settings by name, when some feature is categorical.
    private var categoricalNamed: [String: String] {
        guard !categoricalFeatures.isEmpty else { return [:] }
        return [
            "max_cat_to_onehot": String(maxCatToOnehot), "cat_smooth": String(catSmooth), "cat_l2": String(catL2),
            "max_cat_threshold": String(maxCatThreshold), "min_data_per_group": String(minDataPerGroup),
        ]
    }

    private static func whole(_ value: Double, _ name: String) throws -> Int {
        guard value == value.rounded(), abs(value) < 1e9 else { throw KiteError.invalidArgument("\(name) must be a whole number, not \(value)") }
        return Int(value)
    }
}
