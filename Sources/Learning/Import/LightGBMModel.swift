import Foundation
import KiteCore

/// A LightGBM text model (`model.txt`, what `Booster.save_model` writes) read into Kite's trees. Every split keeps
/// its meaning exactly: thresholds are LightGBM's doubles, a missing value goes where LightGBM sends it (a split
/// that knows missing values sends them to its default side; one trained without them compares them as 0), and a
/// categorical split keeps its bitset (LightGBM sends missing and negative categories right). Each node's and
/// leaf's training count becomes its cover, as LightGBM's `pred_contrib` uses them. What Kite cannot represent
/// exactly is refused: linear trees, averaged (random forest) output, objectives whose output transform Kite does
/// not apply. A zero-as-missing split sends zeros (and missing values) to its default side.
enum LightGBMModel {
    /// Reads `text`; `source` names the file in errors.
    static func read(_ text: String, source: String) throws -> ImportedModel {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).makeIterator()
        func fail(_ message: String) -> KiteError { KiteError.corrupt("\(source) is not a LightGBM model LightGBM could read: \(message)") }
        guard let first = lines.next(), first.trimmingCharacters(in: .whitespaces) == "tree" else {
            throw fail("it does not start with the line 'tree' (save it with Booster.save_model, not as JSON or pickle)")
        }
        var header: [String: String] = [:]
        var trees: [[String: String]] = []
        var current: [String: String]?
        var ended = false
        while let raw = lines.next() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line == "end of trees" {
                ended = true
                break
            }
            if line.hasPrefix("Tree=") {
                if let current { trees.append(current) }
                current = [:]
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            if current != nil { current?[key] = value } else { header[key] = value }
        }
        if let current { trees.append(current) }
        guard ended else { throw fail("it ends before 'end of trees' (a truncated file?)") }
        var pandasCategories: String?
        while pandasCategories == nil, let raw = lines.next() {
            if raw.hasPrefix("pandas_categorical:") { pandasCategories = String(raw.dropFirst("pandas_categorical:".count)) }
        }
        if header["average_output"] != nil {
            throw KiteError.unsupported("\(source) averages its trees (boosting=rf); Kite imports boosted models only")
        }
        let classes = try integer(header["num_class"], "num_class", fail)
        let perIteration = try integer(header["num_tree_per_iteration"], "num_tree_per_iteration", fail)
        let maxFeature = try integer(header["max_feature_idx"], "max_feature_idx", fail)
        guard classes >= 1, perIteration == classes, (0..<1_000_000).contains(maxFeature) else {
            throw fail("num_class \(classes), num_tree_per_iteration \(perIteration) and max_feature_idx \(maxFeature) do not fit together")
        }
        guard !trees.isEmpty, trees.count % perIteration == 0 else { throw fail("\(trees.count) trees for \(perIteration) outputs") }
        let names = (header["feature_names"] ?? "").split(separator: " ").map(String.init)
        guard names.count == maxFeature + 1 else { throw fail("\(names.count) feature names for \(maxFeature + 1) features") }
        let (objective, task) = try objective(header["objective"] ?? "", classes: classes, source: source)
        var model = GradientBoostedTrees(
            objective: objective, featureCount: names.count, outputCount: perIteration, initialScores: Array(repeating: 0, count: perIteration),
            trees: [], splitCounts: Array(repeating: 0, count: names.count), splitGains: Array(repeating: 0, count: names.count))
        var categorical = Set<Int>()
        for (number, fields) in trees.enumerated() {
            let tree = try self.tree(fields, features: names.count, source: source) { fail("tree \(number): \($0)") }
            for node in tree.decision.feature.indices {
                model.splitCounts[tree.decision.feature[node]] += 1
                model.splitGains[tree.decision.feature[node]] += tree.gains[node]
                if let set = tree.decision.categories?[node], !set.isEmpty { categorical.insert(tree.decision.feature[node]) }
            }
            model.trees.append(tree.decision)
        }
        do { try model.validate() } catch let error as KiteError { throw fail(error.message) }
        // feature_infos marks categorical features with their codes (`0:1:2`) instead of a range (`[lo:hi]`).
        let infos = (header["feature_infos"] ?? "").split(separator: " ").map(String.init)
        let categoricalColumns = infos.count == names.count ? infos.indices.filter { infos[$0] != "none" && !infos[$0].hasPrefix("[") } : []
        var imported = ImportedModel(
            library: "lightgbm", trees: model, featureNames: names, categoricalFeatures: categorical.union(categoricalColumns), task: task,
            classes: task == .multiclass ? (0..<classes).map(String.init) : nil, objectiveName: header["objective"] ?? "")
        imported.categoryNames = try categoryNames(pandasCategories, columns: categoricalColumns, source: source)
        return imported
    }

    /// The categories of a model trained on a pandas DataFrame's `category` columns (`pandas_categorical:`, one
    /// list per categorical column in order; a category's code is its position), by feature; empty when the model
    /// was trained on codes.
    private static func categoryNames(_ text: String?, columns: [Int], source: String) throws -> [Int: [String]] {
        guard let text, text != "null", let data = text.data(using: .utf8),
            let lists = (try? JSONSerialization.jsonObject(with: data)) as? [[Any]]
        else { return [:] }
        guard lists.count == columns.count else {
            throw KiteError.corrupt("\(source): pandas_categorical has \(lists.count) category lists for \(columns.count) categorical features")
        }
        var names: [Int: [String]] = [:]
        for (column, list) in zip(columns, lists) {
            let strings = list.compactMap { $0 as? String }
            guard strings.count == list.count else {
                throw KiteError.unsupported(
                    "\(source): feature \(column)'s pandas categories are not strings; Kite maps string categories to their codes (pass codes instead: retrain on the category codes)"
                )
            }
            names[column] = strings
        }
        return names
    }

    /// Kite's objective and task for LightGBM's `objective=` line (`binary sigmoid:1`, `multiclass num_class:3`, …).
    private static func objective(_ line: String, classes: Int, source: String) throws -> (GBDTParameters.Objective, LearningTask) {
        let words = line.split(separator: " ").map(String.init)
        let name = words.first ?? ""
        switch name {
        case "binary":
            let sigmoid = words.first { $0.hasPrefix("sigmoid:") }.flatMap { Double($0.dropFirst("sigmoid:".count)) } ?? 1
            guard sigmoid == 1 else {
                throw KiteError.unsupported("\(source) scales its scores by sigmoid:\(sigmoid) before the logistic function; Kite imports sigmoid:1 only")
            }
            return (.binary, .binary)
        case "multiclass" where classes >= 2: return (.multiclass, .multiclass)
        case "regression", "regression_l2": return (.regression, .regression)
        case "regression_l1": return (.regressionL1, .regression)
        case "huber": return (.huber, .regression)
        case "fair", "quantile", "mape": return (.regression, .regression)
        default:
            throw KiteError.unsupported(
                "\(source) has objective '\(line)'; Kite imports binary, multiclass and the regression objectives (regression, regression_l1, huber, fair, quantile, mape)"
            )
        }
    }

    private static func integer(_ text: String?, _ name: String, _ fail: (String) -> KiteError) throws -> Int {
        guard let text, let value = Int(text) else { throw fail("\(name) is missing or not a whole number") }
        return value
    }

    /// One `Tree=` block as a Kite tree, with each node's split gain.
    private static func tree(
        _ fields: [String: String], features: Int, source: String, _ fail: (String) -> KiteError
    ) throws -> (decision: DecisionTree, gains: [Double]) {
        func numbers<T: LosslessStringConvertible>(_ key: String, _ count: Int, as: T.Type) throws -> [T] {
            guard count > 0 else { return [] }
            guard let text = fields[key] else { throw fail("\(key) is missing") }
            let values = text.split(separator: " ").compactMap { T(String($0)) }
            guard values.count == count, text.split(separator: " ").count == count else {
                throw fail("\(key) should have \(count) numbers")
            }
            return values
        }
        if fields["is_linear"] == "1" { throw KiteError.unsupported("\(source) has linear trees (linear_tree=true), which Kite does not represent") }
        let leaves = try integer(fields["num_leaves"], "num_leaves", fail)
        let categoryCount = try integer(fields["num_cat"] ?? "0", "num_cat", fail)
        guard (1...1 << 20).contains(leaves), (0..<leaves).contains(categoryCount) || categoryCount == 0 else {
            throw fail("num_leaves \(leaves) and num_cat \(categoryCount) are out of range")
        }
        var tree = DecisionTree()
        tree.leafValues = try numbers("leaf_value", leaves, as: Double.self)
        guard leaves > 1 else {
            tree.nodeCover = []
            tree.leafCover = [1]
            return (tree, [])
        }
        let nodes = leaves - 1
        tree.feature = try numbers("split_feature", nodes, as: Int.self)
        let thresholds = try numbers("threshold", nodes, as: Double.self)
        let decisions = try numbers("decision_type", nodes, as: Int.self)
        tree.left = try numbers("left_child", nodes, as: Int.self)
        tree.right = try numbers("right_child", nodes, as: Int.self)
        let gains = try numbers("split_gain", nodes, as: Double.self)
        tree.nodeCover = try numbers("internal_count", nodes, as: Double.self)
        tree.leafCover = try numbers("leaf_count", leaves, as: Double.self)
        var boundaries: [Int] = []
        var words: [UInt32] = []
        if categoryCount > 0 {
            boundaries = try numbers("cat_boundaries", categoryCount + 1, as: Int.self)
            guard boundaries.first == 0, zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 }), let total = boundaries.last, total <= 1 << 24 else {
                throw fail("cat_boundaries are not increasing from 0")
            }
            words = try numbers("cat_threshold", total, as: UInt32.self)
            tree.categories = Array(repeating: [], count: nodes)
        }
        for node in 0..<nodes {
            let decision = decisions[node]
            let missing = (decision >> 2) & 3
            if decision & 1 == 1 {
                guard categoryCount > 0, let index = Int(exactly: thresholds[node]), (0..<categoryCount).contains(index) else {
                    throw fail("node \(node) names category set \(thresholds[node]) of \(categoryCount)")
                }
                tree.categories?[node] = Array(words[boundaries[index]..<boundaries[index + 1]])
                tree.threshold.append(0)
                tree.defaultLeft.append(false)  // LightGBM sends a missing category right.
                continue
            }
            switch missing {
            case 0:  // no missing values in training: LightGBM compares a missing value as 0.
                tree.defaultLeft.append(0 <= thresholds[node])
            case 2:
                tree.defaultLeft.append(decision & 2 != 0)
            case 1:  // zero (and a missing value, compared as 0) goes to the default side.
                tree.defaultLeft.append(decision & 2 != 0)
                if tree.zeroAsMissing == nil { tree.zeroAsMissing = Array(repeating: false, count: nodes) }
                tree.zeroAsMissing?[node] = true
            default:
                throw fail("node \(node) has missing type \(missing)")
            }
            tree.threshold.append(thresholds[node])
        }
        return (tree, gains)
    }
}
