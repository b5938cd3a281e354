import KiteCore

/// Why a model predicted what it did, per input column: each row's contributions to each output's raw score (an
/// input's preprocessed outputs — one-hot columns, missing indicators — summed into it) and the expected value they
/// start from. For a row, `expectedValues[output]` plus its contributions is the raw score: the log-odds of class 1
/// (binary), each class's score before the softmax (multiclass), the value (regression).
public struct Explanations: Sendable {
    /// The model's input columns, in signature order.
    public let inputs: [String]
    /// One raw score per class for multiclass models, else one.
    public let outputCount: Int
    public let expectedValues: [Double]
    /// `values[(row × outputCount + output) × inputs.count + input]`.
    public let values: [Double]

    /// The rows explained.
    public var rowCount: Int { values.count / Swift.max(1, outputCount * inputs.count) }

    /// What the raw score is, for a reader: `log_odds`, `class_score` or `value`.
    public let units: String

    /// The explanations as table columns, one value per row: `shap_<input>` per input and `shap_expected_value`
    /// (the same on every row); for multiclass models `shap_<class>_<input>` and `shap_<class>_expected_value`.
    public func columns(classes: [String]?) -> [(name: String, column: DataColumn)] {
        let rows = rowCount
        return (0..<outputCount).flatMap { output -> [(name: String, column: DataColumn)] in
            let prefix = outputCount == 1 ? "shap_" : "shap_\(classes?[output] ?? String(output))_"
            let perInput = inputs.enumerated().map { index, input in
                (name: prefix + input, column: DataColumn.float64s((0..<rows).map { values[($0 * outputCount + output) * inputs.count + index] }))
            }
            return perInput + [(name: prefix + "expected_value", column: .float64s(Array(repeating: expectedValues[output], count: rows)))]
        }
    }

    /// Global importance: per input, the mean over rows of |contribution|, summed over outputs (classes).
    public func meanAbsolute() -> [Double] {
        var totals = [Double](repeating: 0, count: inputs.count)
        for block in 0..<rowCount * outputCount {
            for input in inputs.indices { totals[input] += abs(values[block * inputs.count + input]) }
        }
        return totals.map { $0 / Double(Swift.max(1, rowCount)) }
    }

    /// The contributions of `row` to output `output`, one per input.
    public func contributions(row: Int, output: Int = 0) -> ArraySlice<Double> {
        let start = (row * outputCount + output) * inputs.count
        return values[start..<start + inputs.count]
    }
}

extension ModelFile {
    /// The explanations of rows already preprocessed (`preprocessor.transform`), by `explainer` (this model's).
    public func explanations(features: Matrix, explainer: ModelExplainer) throws -> Explanations {
        let raw = try explainer.contributions(features)
        // Which input column each preprocessed output belongs to.
        let owners = preprocessor.outputColumns
        let inputs = preprocessor.columns.map(\.column)
        let width = explainer.featureCount
        guard owners.count == width else { throw KiteError.corrupt("the preprocessing makes \(owners.count) features; the learner takes \(width)") }
        var values = [Double](repeating: 0, count: raw.count / Swift.max(1, width) * inputs.count)
        for block in 0..<raw.count / Swift.max(1, width) {
            for feature in 0..<width { values[block * inputs.count + owners[feature]] += raw[block * width + feature] }
        }
        let units =
            switch signature.task {
            case .binary: "log_odds"
            case .multiclass: "class_score"
            case .regression: "value"
            }
        return Explanations(inputs: inputs, outputCount: explainer.outputCount, expectedValues: explainer.expectedValues, values: values, units: units)
    }
}
