import KiteCore
import Learning

/// A model's answers for a set of rows, in the shape its task gives them.
public enum Predictions: Sendable, Equatable {
    /// Binary classification: each row's probability of class 1, and its class at the scorer's threshold.
    case binary(probabilities: [Double], classes: [Int64])
    /// Multiclass: each row's class probabilities (in `classes` order) and the index of the most probable class.
    case multiclass(classes: [String], probabilities: [[Double]], best: [Int])
    /// Regression: each row's value.
    case regression([Double])

    /// How many rows were predicted.
    public var count: Int {
        switch self {
        case .binary(let probabilities, _): probabilities.count
        case .multiclass(_, let probabilities, _): probabilities.count
        case .regression(let values): values.count
        }
    }

    /// The predicted class or value of each row: 0/1 for binary models; the class for multiclass ones (a number
    /// when every class name is an integer, as the label was); the value for regressors.
    public var predicted: DataColumn {
        switch self {
        case .binary(_, let classes): return .int64s(classes)
        case .multiclass(let classes, _, let best):
            let numbers = classes.compactMap { Int64($0) }
            return numbers.count == classes.count ? .int64s(best.map { numbers[$0] }) : .strings(best.map { classes[$0] })
        case .regression(let values): return .float64s(values)
        }
    }

    /// The columns a scored table gains: `probability` and `prediction` (binary), `probability_<class>` per class
    /// and `prediction` (multiclass), `prediction` (regression).
    public var columns: [(name: String, column: DataColumn)] {
        switch self {
        case .binary(let probabilities, _):
            return [("probability", .float64s(probabilities)), ("prediction", predicted)]
        case .multiclass(let classes, let probabilities, _):
            return classes.enumerated().map { index, name in ("probability_\(name)", DataColumn.float64s(probabilities.map { $0[index] })) }
                + [("prediction", predicted)]
        case .regression:
            return [("prediction", predicted)]
        }
    }
}
