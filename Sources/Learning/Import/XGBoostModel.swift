import Foundation
import KiteCore

/// An XGBoost model (`Booster.save_model("model.json")`, or `model.ubj`: the same document in UBJSON) read into
/// Kite's trees. XGBoost works in single
/// precision — features rounded to `Float`, `Float(x) < threshold` going left, scores summed in `Float` — so
/// each threshold becomes the `Double` that decides every input as the rounded comparison does
/// (`threshold(belowFloat:)`) and the model keeps `.single` arithmetic. Nodes are renumbered depth-first (Kite keeps
/// children after parents); each node's hessian sum becomes its cover, as XGBoost's `pred_contribs` uses it.
/// Refused: other boosters (gblinear, dart), several targets, categorical splits, objectives whose transform
/// Kite does not apply.
enum XGBoostModel {
    /// Reads a JSON (`binary` false) or UBJSON model.
    static func read(_ data: Data, binary: Bool, source: String) throws -> ImportedModel {
        func fail(_ message: String) -> KiteError { KiteError.corrupt("\(source) is not an XGBoost model XGBoost could read: \(message)") }
        let parsed: Any? = binary ? try UBJSON.decode(data, source: source) : try? JSONSerialization.jsonObject(with: data)
        guard let root = parsed as? [String: Any], let learner = root["learner"] as? [String: Any] else {
            throw fail("it is not an object with a 'learner' (save it with Booster.save_model(\"model.json\") or \"model.ubj\")")
        }
        let parameters = learner["learner_model_param"] as? [String: Any] ?? [:]
        let booster = learner["gradient_booster"] as? [String: Any] ?? [:]
        guard booster["name"] as? String == "gbtree" else {
            throw KiteError.unsupported("\(source) uses the '\(booster["name"] as? String ?? "?")' booster; Kite imports gbtree models")
        }
        guard let model = booster["model"] as? [String: Any], let trees = model["trees"] as? [[String: Any]], let info = model["tree_info"] as? [Any] else {
            throw fail("gradient_booster.model has no trees")
        }
        guard let featureCount = Int(parameters["num_feature"] as? String ?? ""), (0..<1_000_000).contains(featureCount) else {
            throw fail("learner_model_param.num_feature is missing or out of range")
        }
        if let targets = Int(parameters["num_target"] as? String ?? "1"), targets > 1 {
            throw KiteError.unsupported("\(source) predicts \(targets) targets; Kite imports single-target models")
        }
        let classCount = Int(parameters["num_class"] as? String ?? "0") ?? 0
        let objectiveName = (learner["objective"] as? [String: Any])?["name"] as? String ?? ""
        let (objective, task, outputs) = try self.objective(objectiveName, classes: classCount, source: source)
        let base = try baseScores(parameters["base_score"], outputs: outputs, fail)
        var names = (learner["feature_names"] as? [String]) ?? []
        if names.isEmpty { names = (0..<featureCount).map { "f\($0)" } }
        guard names.count == featureCount else { throw fail("\(names.count) feature names for \(featureCount) features") }
        guard trees.count == info.count, trees.count % outputs == 0,
            info.enumerated().allSatisfy({ ($1 as? NSNumber)?.intValue == $0 % outputs })
        else { throw fail("tree_info does not give the trees of each round in class order") }
        var result = GradientBoostedTrees(
            objective: objective, featureCount: featureCount, outputCount: outputs,
            initialScores: base.map { Double(objective == .binary ? -Foundation.log(1 / $0 - 1) : $0) }, trees: [],
            splitCounts: Array(repeating: 0, count: featureCount), splitGains: Array(repeating: 0, count: featureCount), arithmetic: .single)
        for (number, fields) in trees.enumerated() {
            let tree = try self.tree(fields, features: featureCount, source: source) { fail("tree \(number): \($0)") }
            for (node, feature) in tree.decision.feature.enumerated() {
                result.splitCounts[feature] += 1
                result.splitGains[feature] += tree.gains[node]
            }
            result.trees.append(tree.decision)
        }
        do { try result.validate() } catch let error as KiteError { throw fail(error.message) }
        return ImportedModel(
            library: "xgboost", trees: result, featureNames: names, categoricalFeatures: [], task: task,
            classes: task == .multiclass ? (0..<outputs).map(String.init) : nil, objectiveName: objectiveName)
    }

    /// The `Double` threshold `h` with `Float(x) < t ⟺ x ≤ h` for every `Double` x: the largest float below `t`,
    /// `s`, takes every x up to the midpoint between `s` and the next float, the midpoint itself when ties round
    /// to `s` (an even significand).
    static func threshold(belowFloat t: Float) -> Double {
        let below = t.nextDown
        if below == -.infinity { return -(Double(Float.greatestFiniteMagnitude) + Double(Float.greatestFiniteMagnitude.ulp) / 2) }
        let next = below == .greatestFiniteMagnitude ? Double(below) + Double(below.ulp) : Double(below.nextUp)
        let midpoint = (Double(below) + next) / 2
        return below.bitPattern & 1 == 0 ? midpoint : midpoint.nextDown
    }

    /// Kite's objective, task and output count for XGBoost's objective name.
    private static func objective(_ name: String, classes: Int, source: String) throws -> (GBDTParameters.Objective, LearningTask, Int) {
        switch name {
        case "binary:logistic": return (.binary, .binary, 1)
        case "reg:squarederror": return (.regression, .regression, 1)
        case "reg:absoluteerror": return (.regressionL1, .regression, 1)
        case "reg:pseudohubererror": return (.huber, .regression, 1)
        case "multi:softprob" where classes >= 2, "multi:softmax" where classes >= 2: return (.multiclass, .multiclass, classes)
        default:
            throw KiteError.unsupported(
                "\(source) has objective '\(name)'; Kite imports binary:logistic, multi:softprob, multi:softmax, reg:squarederror, reg:absoluteerror and reg:pseudohubererror"
            )
        }
    }

    /// `base_score`, written `"5E-1"` or `"[5E-1]"` (one value, or one per output), as `Float`s.
    private static func baseScores(_ value: Any?, outputs: Int, _ fail: (String) -> KiteError) throws -> [Float] {
        let text = (value as? String ?? "0.5").trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        let scores = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard !scores.isEmpty, scores.count == 1 || scores.count == outputs, scores.allSatisfy(\.isFinite) else {
            throw fail("base_score '\(text)' is not one number or one per output")
        }
        return scores.count == outputs ? scores : Array(repeating: scores[0], count: outputs)
    }

    /// One tree, renumbered depth-first, with each node's loss change.
    private static func tree(_ fields: [String: Any], features: Int, source: String, _ fail: (String) -> KiteError) throws -> (
        decision: DecisionTree, gains: [Double]
    ) {
        func array(_ key: String) throws -> [Double] {
            guard let values = fields[key] as? [Any] else { throw fail("\(key) is missing") }
            return try values.map {
                guard let number = $0 as? NSNumber else { throw fail("\(key) holds a value that is not a number") }
                return number.doubleValue
            }
        }
        let left = try array("left_children").map(Int.init(exactly:))
        let right = try array("right_children").map(Int.init(exactly:))
        let splitFeature = try array("split_indices").map(Int.init(exactly:))
        let conditions = try array("split_conditions")
        let defaults = try array("default_left")
        // XGBoost keeps these as Float: JSON's decimals are rounded back to the Float they were written from.
        let hessians = try array("sum_hessian").map { Double(Float($0)) }
        let gains = try array("loss_changes").map { Double(Float($0)) }
        let types = (try? array("split_type")) ?? []
        let count = left.count
        guard count >= 1, count < 1 << 24,
            [right.count, splitFeature.count, conditions.count, defaults.count, hessians.count, gains.count].allSatisfy({ $0 == count })
        else { throw fail("its node arrays have different lengths") }
        if types.contains(where: { $0 != 0 }) {
            throw KiteError.unsupported("\(source) has categorical splits (enable_categorical); Kite imports XGBoost's numeric splits only")
        }
        var tree = DecisionTree()
        tree.nodeCover = []
        tree.leafCover = []
        var nodeGains: [Double] = []
        var visited = Set<Int>()
        /// Appends node `index` and its subtree; returns its Kite reference (a node, or `~leaf`).
        func visit(_ index: Int, depth: Int) throws -> Int {
            guard (0..<count).contains(index), visited.insert(index).inserted else {
                throw fail("node \(index) is out of range or reached twice")
            }
            guard let low = left[index], let high = right[index], let feature = splitFeature[index] else { throw fail("node \(index) has a fractional index") }
            if low == -1 {
                tree.leafValues.append(Double(Float(conditions[index])))
                tree.leafCover?.append(hessians[index])
                return ~(tree.leafValues.count - 1)
            }
            guard (0..<features).contains(feature) else { throw fail("node \(index) splits on feature \(feature) of \(features)") }
            let condition = Float(conditions[index])
            guard !condition.isNaN else { throw fail("node \(index) has a threshold that is not a number") }
            guard depth < 1024 else { throw fail("it is deeper than 1024 levels") }
            let node = tree.feature.count
            tree.feature.append(feature)
            tree.threshold.append(XGBoostModel.threshold(belowFloat: condition))
            tree.defaultLeft.append(defaults[index] != 0)
            tree.nodeCover?.append(hessians[index])
            tree.left.append(0)
            tree.right.append(0)
            nodeGains.append(gains[index])
            tree.left[node] = try visit(low, depth: depth + 1)
            tree.right[node] = try visit(high, depth: depth + 1)
            return node
        }
        _ = try visit(0, depth: 0)
        return (tree, nodeGains)
    }
}
