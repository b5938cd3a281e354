import Features
import Foundation
import KiteCore
import Learning

/// A training config (`train.yaml`): where the data comes from, what to learn it with, how to validate it, and
/// where the run and the model go. Every key is checked when the file is read, and errors name the file and line.
///
/// ```yaml
/// experiment: fraud-detection        # default: the project's name
/// model: fraud                       # register passing models here; or {name: fraud, alias: challenger}
/// data:
///   feature_service: fraud_model     # with labels: entity rows, their event_timestamp and the label
///   labels: data/labels.parquet
///   label: is_fraud
///   weight: importance               # optional: each row's sample weight (training, early stopping, every metric)
///   extra_features: [amount]         # columns of the labels file used as features too
///   # or a table of your own: train: data/table.parquet (or .csv), label: y, time: event_time
///   test: data/test.parquet          # optional: a separate test set, shaped like the training data (no split then)
/// features: [...]                    # default: the service's features, or every other column of the table
/// exclude: [...]
/// categorical: [merchant_id]         # gbdt: split these (codes ≥ 0) by category; string columns always are
/// task: binary                       # default: inferred from the label (0/1 or bool → binary, string → multiclass, else regression)
/// preprocessing:
///   amount: [{impute: median, indicator: true}, log1p, standardize]
///   merchant_category: onehot
/// learner: gbdt                      # gbdt, logistic or ridge; parameters by LightGBM's / scikit-learn's names
/// params: {num_iterations: 200, learning_rate: 0.05, num_leaves: 31}
/// split: {method: time, test_fraction: 0.2, seed: 0, validation_fraction: 0.1}
/// cross_validation: 5                # k folds over the training rows (optional)
/// gates: ["auc >= 0.80", "auc >= champion.auc - 0.002"]
/// ```
public struct TrainingConfiguration: Sendable, Hashable {
    /// Where the training rows come from.
    public enum Data: Sendable, Hashable {
        /// Entity rows with labels, joined point-in-time with a feature service's features.
        case featureService(name: String, labels: String, extraFeatures: [String])
        /// A Parquet or CSV table holding features and the label.
        case table(path: String)
    }

    /// The learner and its settings.
    public enum Learner: Sendable, Hashable {
        case gbdt(GBDTParameters)
        /// Logistic regression; `c` is scikit-learn's inverse regularization strength, `l1Ratio` its elastic-net
        /// mix (0: L2, 1: L1).
        case logistic(c: Double, l1Ratio: Double, maxIterations: Int)
        /// Ridge regression with penalty `alpha`.
        case ridge(alpha: Double)

        public var name: String {
            switch self {
            case .gbdt: "gbdt"
            case .logistic: "logistic"
            case .ridge: "ridge"
            }
        }
    }

    /// How rows are held out.
    public struct Split: Sendable, Hashable {
        /// `time` (the latest rows are the test set), `random`, or `file` (the test set is `data.test`).
        public var method: String
        public var testFraction = 0.2
        public var seed: UInt64 = 0
        /// The share of training rows set aside for early stopping, when the learner stops early.
        public var validationFraction = 0.1
    }

    /// The config file, for messages.
    public var file: String
    public var experiment: String?
    public var modelName: String?
    /// An alias set on the new version when it is registered.
    public var modelAlias: String?
    public var data: Data
    /// A separate test table (`data.test`), shaped like the training data; when given, it is the test set and
    /// the training rows are not split.
    public var testPath: String?
    public var label: String
    /// The column of each row's sample weight (`data.weight`), which training, early stopping and every metric
    /// weigh the rows by; nil weighs every row 1.
    public var weightColumn: String?
    /// The time column (a time split orders by it): `event_timestamp` for feature-service data.
    public var timeColumn: String?
    /// The feature columns, if listed; otherwise every candidate column.
    public var features: [String]?
    public var exclude: [String]
    /// Numeric columns of category codes a GBDT splits by category (string columns are, always).
    public var categorical: [String]
    public var task: LearningTask?
    public var preprocessing: [ColumnSpec]
    public var learner: Learner
    public var split: Split
    /// k of k-fold cross-validation over the training rows; 0 for none.
    public var crossValidationFolds: Int
    public var gates: [ValidationGate]
    /// The name of the run.
    public var runName: String?
    /// The probability at which a binary prediction is class 1, for accuracy, precision, recall and F1.
    public var threshold: Double

    /// Reads and checks the config at `path`.
    /// `overrides` (`NAME=VALUE`, as `kite train -P` takes them) replace or add learner params.
    public static func load(path: String, overrides: [String] = []) throws -> TrainingConfiguration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KiteError(.notFound, "no training config at \(path)")
        }
        return try parse(text, file: path, overrides: overrides)
    }

    /// Parses a config's text (`file` names it in errors), with learner params replaced or added by `overrides`
    /// (`NAME=VALUE`).
    public static func parse(_ text: String, file: String, overrides: [String] = []) throws -> TrainingConfiguration {
        guard let root = try YAMLValue.parse(text, file: file) else { throw KiteError.invalidArgument("\(file) is empty") }
        let map = try root.mapping(
            "the training config",
            allowed: [
                "experiment", "model", "data", "features", "exclude", "categorical", "task", "preprocessing", "learner", "params", "split",
                "cross_validation", "gates", "run_name", "threshold",
            ])
        let data = try parseData(try map.required("data", in: "the training config", at: root))
        let (modelName, modelAlias) = try parseModel(map["model"])
        var task: LearningTask?
        if let node = map["task"] {
            let name = try node.string("task")
            guard let value = LearningTask(rawValue: name) else { throw node.fail("task must be binary, multiclass or regression, not '\(name)'") }
            task = value
        }
        let learner = try parseLearner(map, root: root, overrides: overrides, task: &task)
        if let node = map["categorical"], learner.name != "gbdt" {
            throw node.fail("categorical is for learner gbdt (linear models one-hot encode string columns)")
        }
        var split = try parseSplit(map["split"], timeColumn: data.timeColumn)
        if data.test != nil {
            guard map["split"] == nil else { throw (map["split"] ?? root).fail("split and data.test both choose the test rows; give one") }
            split.method = "file"
        }

        let folds = try map["cross_validation"]?.int("cross_validation") ?? 0
        if folds != 0, folds < 2 || folds > 20 { throw (map["cross_validation"] ?? root).fail("cross_validation must be between 2 and 20 folds") }
        let gates = try (map["gates"]?.strings("gates") ?? []).map { text in
            do { return try ValidationGate(parsing: text) } catch let error as KiteError { throw (map["gates"] ?? root).fail(error.message) }
        }
        let threshold = try map["threshold"]?.double("threshold") ?? 0.5
        guard (0...1).contains(threshold) else { throw (map["threshold"] ?? root).fail("threshold must be between 0 and 1") }

        return TrainingConfiguration(
            file: file, experiment: try map["experiment"]?.string("experiment"), modelName: modelName, modelAlias: modelAlias,
            data: data.source, testPath: data.test, label: data.label, weightColumn: data.weight, timeColumn: data.timeColumn,
            features: try map["features"]?.strings("features"), exclude: try map["exclude"]?.strings("exclude") ?? [],
            categorical: try map["categorical"]?.strings("categorical") ?? [], task: task,
            preprocessing: try map["preprocessing"].map(parsePreprocessing) ?? [], learner: learner, split: split,
            crossValidationFolds: folds, gates: gates, runName: try map["run_name"]?.string("run_name"), threshold: threshold)
    }

    /// `data:` — a feature service with labels, or a table; the label, the time column, an optional test file.
    private static func parseData(_ node: YAMLValue) throws -> (source: Data, label: String, weight: String?, timeColumn: String?, test: String?) {
        let data = try node.mapping("data", allowed: ["feature_service", "labels", "label", "weight", "extra_features", "train", "test", "time"])
        let label = try data.required("label", in: "data", at: node).string("data.label")
        let weight = try data["weight"]?.string("data.weight")
        if let weight, weight == label { throw node.fail("data.weight and data.label name the same column '\(weight)'") }
        var timeColumn = try data["time"]?.string("data.time")
        let test = try data["test"].map { value in
            let path = try value.string("data.test")
            guard path.hasSuffix(".parquet") || path.hasSuffix(".csv") else { throw value.fail("data.test must be a .parquet or .csv file") }
            return path
        }
        if let service = data["feature_service"] {
            guard data["train"] == nil else { throw node.fail("data has both feature_service and train; choose one") }
            timeColumn = timeColumn ?? "event_timestamp"
            let source = Data.featureService(
                name: try service.string("data.feature_service"),
                labels: try data.required("labels", in: "data (with feature_service)", at: node).string("data.labels"),
                extraFeatures: try data["extra_features"]?.strings("data.extra_features") ?? [])
            return (source, label, weight, timeColumn, test)
        }
        guard let table = data["train"] else { throw node.fail("data needs feature_service (with labels) or train (a Parquet or CSV file)") }
        for key in ["labels", "extra_features"] where data[key] != nil {
            throw node.fail("data.\(key) goes with feature_service; a table (train) holds its features itself")
        }
        let path = try table.string("data.train")
        guard path.hasSuffix(".parquet") || path.hasSuffix(".csv") else { throw table.fail("data.train must be a .parquet or .csv file") }
        return (.table(path: path), label, weight, timeColumn, test)
    }

    /// `model: NAME` or `model: {name, alias}`.
    private static func parseModel(_ node: YAMLValue?) throws -> (name: String?, alias: String?) {
        guard let node else { return (nil, nil) }
        if node.isScalar { return (try node.string("model"), nil) }
        let entries = try node.mapping("model", allowed: ["name", "alias"])
        return (try entries.required("name", in: "model", at: node).string("model.name"), try entries["alias"]?.string("model.alias"))
    }

    /// `learner:` and its `params:` (by LightGBM's or scikit-learn's names, each learner its own), with `-P`
    /// overrides; a GBDT `objective` settles the task.
    private static func parseLearner(
        _ map: [String: YAMLValue], root: YAMLValue, overrides: [String], task: inout LearningTask?
    ) throws -> Learner {
        let learnerName = try map["learner"]?.string("learner") ?? "gbdt"
        let learnerNode = map["learner"] ?? root
        let known: Set<String>
        switch learnerName {
        case "gbdt": known = Set(GBDTParameters.parameterNames + ["objective", "metric"])
        case "logistic": known = ["C", "max_iter", "l1_ratio"]
        case "ridge": known = ["alpha"]
        default: throw learnerNode.fail("learner must be gbdt, logistic or ridge, not '\(learnerName)'")
        }
        var params: [String: YAMLValue] = [:]
        if let node = map["params"] {
            guard node.isMapping else { throw node.fail("params must be a mapping of names to numbers") }
            for (name, value) in try node.pairs("params") {
                guard known.contains(name) else {
                    throw value.fail("'\(name)' is not a \(learnerName) parameter; \(learnerName) takes \(Self.listed(known, learnerName))")
                }
                params[name] = value
            }
        }
        for override in overrides {
            let parts = override.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw KiteError.invalidArgument("--param takes NAME=VALUE, not '\(override)'")
            }
            guard known.contains(parts[0]) else {
                throw KiteError.invalidArgument("--param \(parts[0]): not a \(learnerName) parameter; \(learnerName) takes \(Self.listed(known, learnerName))")
            }
            guard let value = try YAMLValue.parse(parts[1], file: "--param \(parts[0])"), value.isScalar else {
                throw KiteError.invalidArgument("--param \(parts[0]) needs a single value, not '\(parts[1])'")
            }
            params[parts[0]] = value
        }
        let learner: Learner
        switch learnerName {
        case "gbdt":
            learner = .gbdt(try gbdtParameters(params, task: &task))
        case "logistic":
            let c = try params["C"]?.double("params.C") ?? 1
            let iterations = try params["max_iter"]?.int("params.max_iter") ?? 1000
            guard c > 0 else { throw (params["C"] ?? root).fail("C must be > 0") }
            guard iterations >= 1 else { throw (params["max_iter"] ?? root).fail("max_iter must be at least 1") }
            let l1Ratio = try params["l1_ratio"]?.double("params.l1_ratio") ?? 0
            guard (0...1).contains(l1Ratio) else { throw (params["l1_ratio"] ?? root).fail("l1_ratio must be between 0 and 1") }
            learner = .logistic(c: c, l1Ratio: l1Ratio, maxIterations: iterations)
        default:
            let alpha = try params["alpha"]?.double("params.alpha") ?? 1
            guard alpha >= 0 else { throw (params["alpha"] ?? root).fail("alpha must be ≥ 0") }
            learner = .ridge(alpha: alpha)
        }
        if task == .multiclass, learnerName != "gbdt" { throw learnerNode.fail("multiclass needs learner gbdt") }
        if task == .regression, learnerName == "logistic" { throw learnerNode.fail("logistic regression is for binary labels; use ridge or gbdt") }
        if task.map({ $0 != .regression }) == true, learnerName == "ridge" { throw learnerNode.fail("ridge is for regression; use logistic or gbdt") }
        return learner
    }

    /// The names a learner takes, for an error: LightGBM's main names for a GBDT (aliases are accepted too).
    private static func listed(_ known: Set<String>, _ learner: String) -> String {
        let names = learner == "gbdt" ? GBDTParameters.mainParameterNames + ["objective", "metric"] : Array(known)
        return names.sorted().joined(separator: ", ")
    }

    /// A GBDT's parameters from `params`.
    private static func gbdtParameters(_ params: [String: YAMLValue], task: inout LearningTask?) throws -> GBDTParameters {
        var parameters = GBDTParameters()
        for (name, node) in params.sorted(by: { $0.key < $1.key }) {
            do {
                switch name {
                case "objective":
                    parameters.objective = try GBDTParameters.objective(named: try node.string("params.objective"))
                    // The objective implies the task; a task given too must agree.
                    let implied: LearningTask = parameters.objective == .binary ? .binary : parameters.objective == .multiclass ? .multiclass : .regression
                    if let task, task != implied {
                        throw node.fail("objective \(parameters.objective.rawValue) is for \(implied.rawValue) labels, not \(task.rawValue)")
                    }
                    task = implied
                case "metric":
                    let metric = try node.string("params.metric")
                    guard GBDTParameters.metricNames.contains(metric) else {
                        throw node.fail("unknown metric '\(metric)'; LightGBM's metrics: \(GBDTParameters.metricNames.sorted().joined(separator: ", "))")
                    }
                    parameters.metric = metric
                default:
                    if node.isScalar, let flag = try? node.bool("params.\(name)") {
                        try parameters.set(name, to: flag ? 1 : 0)
                    } else {
                        try parameters.set(name, to: try node.double("params.\(name)"))
                    }
                }
            } catch let error as KiteError where !error.message.hasPrefix(node.location) {
                throw node.fail(error.message)
            }
        }
        return parameters
    }

    /// `split:` — how the test rows are held out.
    private static func parseSplit(_ node: YAMLValue?, timeColumn: String?) throws -> Split {
        var split = Split(method: timeColumn == nil ? "random" : "time")
        guard let node else { return split }
        let entries = try node.mapping("split", allowed: ["method", "test_fraction", "seed", "validation_fraction"])
        if let method = entries["method"] {
            split.method = try method.string("split.method")
            guard ["time", "random"].contains(split.method) else { throw method.fail("split.method must be time or random") }
            if split.method == "time", timeColumn == nil { throw method.fail("a time split needs data.time (the column to order by)") }
        }
        if let value = entries["test_fraction"] {
            split.testFraction = try value.double("split.test_fraction")
            guard split.testFraction > 0, split.testFraction < 1 else { throw value.fail("split.test_fraction must be between 0 and 1") }
        }
        if let value = entries["validation_fraction"] {
            split.validationFraction = try value.double("split.validation_fraction")
            guard split.validationFraction > 0, split.validationFraction < 1 else { throw value.fail("split.validation_fraction must be between 0 and 1") }
        }
        if let value = entries["seed"] {
            let seed = try value.int("split.seed")
            guard seed >= 0 else { throw value.fail("split.seed must be ≥ 0") }
            split.seed = UInt64(seed)
        }
        return split
    }

    /// `column: [steps]` or `column: onehot|ordinal`.
    private static func parsePreprocessing(_ node: YAMLValue) throws -> [ColumnSpec] {
        try node.pairs("preprocessing").map { column, spec in
            if spec.isScalar, let encoding = ColumnSpec.Encoding(rawValue: try spec.string("preprocessing.\(column)")) {
                return ColumnSpec(column: column, encoding: encoding)
            }
            let steps = spec.isScalar ? [spec] : try spec.sequence("preprocessing.\(column)")
            return ColumnSpec(column: column, steps: try steps.map { try parseStep($0, column: column) })
        }
        .sorted { $0.column < $1.column }
    }

    private static func parseStep(_ node: YAMLValue, column: String) throws -> ColumnSpec.Step {
        let what = "a step of preprocessing.\(column)"
        if node.isScalar {
            switch try node.string(what) {
            case "standardize": return .standardize
            case "min_max": return .minMax
            case "log1p": return .log1p
            case "impute": return .impute(.median, indicator: false)
            case "onehot", "ordinal": throw node.fail("\(column): an encoding stands alone ('\(column): onehot'), not in a list of steps")
            case let other: throw node.fail("unknown step '\(other)'; steps: impute, standardize, min_max, log1p, clip, bucketize")
            }
        }
        let entries = try node.mapping(what, allowed: ["impute", "indicator", "clip", "bucketize"])
        if let impute = entries["impute"] {
            let how = try impute.string("impute")
            let imputation: ColumnSpec.Imputation
            switch how {
            case "mean": imputation = .mean
            case "median": imputation = .median
            default:
                guard let value = Double(how), value.isFinite else { throw impute.fail("impute must be mean, median or a number") }
                imputation = .constant(value)
            }
            return .impute(imputation, indicator: try entries["indicator"]?.bool("indicator") ?? false)
        }
        if let clip = entries["clip"] {
            let bounds = try clip.sequence("clip").map { try $0.double("a clip bound") }
            guard bounds.count == 2 else { throw clip.fail("clip takes [lower, upper]") }
            return .clip(lower: bounds[0], upper: bounds[1])
        }
        if let bucketize = entries["bucketize"] {
            return .bucketize(edges: try bucketize.sequence("bucketize").map { try $0.double("a bucket edge") })
        }
        throw node.fail("\(what) needs impute, clip or bucketize")
    }
}
