import KiteCore
import Learning

/// Scores frames with a model: the input's columns pass through and the prediction columns follow — binary
/// classifiers add `probability` and `prediction`, multiclass ones `probability_<class>` per class and
/// `prediction`, regressors `prediction`.
public struct BatchScorer: Sendable {
    public let model: ModelFile
    /// The probability at which a binary prediction is 1.
    public let threshold: Double

    /// A scorer for `model`; `threshold` must be in 0…1.
    public init(model: ModelFile, threshold: Double = 0.5) throws {
        guard (0...1).contains(threshold) else { throw KiteError.invalidArgument("the threshold must be between 0 and 1, not \(threshold)") }
        self.model = model
        self.threshold = threshold
    }

    /// `frame`'s columns followed by the prediction columns; an input column with a prediction column's name is
    /// an error.
    public func score(_ frame: DataFrame) throws -> DataFrame {
        var added: [(String, DataColumn)] = []
        switch model.signature.task {
        case .binary:
            let probabilities = try model.predict(frame)
            added = [("probability", .float64s(probabilities)), ("prediction", .int64s(probabilities.map { $0 >= threshold ? 1 : 0 }))]
        case .multiclass:
            let classes = model.signature.classes ?? []
            let probabilities = try model.probabilities(frame)
            for (index, name) in classes.enumerated() {
                added.append(("probability_\(name)", .float64s(probabilities.map { $0[index] })))
            }
            let best = probabilities.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
            let numbers = classes.compactMap { Int64($0) }
            added.append(("prediction", numbers.count == classes.count ? .int64s(best.map { numbers[$0] }) : .strings(best.map { classes[$0] })))
        case .regression:
            added = [("prediction", .float64s(try model.predict(frame)))]
        }
        for (name, _) in added where frame[name] != nil {
            throw KiteError.invalidArgument("the input already has a column '\(name)'; rename it before scoring")
        }
        return try DataFrame(Array(zip(frame.schema.fields.map(\.name), frame.columns)) + added)
    }
}
