import Foundation
import Registry

/// What a registered version's lineage says of its training set (the `kite.training_set` metadata): the model's
/// inputs, the label and time columns, the task and the classes.
public struct VersionLineage: Sendable {
    public var features: [String]?
    public var label: String?
    public var timeColumn: String?
    /// `binary`, `multiclass` or `regression`, when recorded.
    public var task: String?
    /// Multiclass class names, in index order.
    public var classes: [String]?

    public init(of version: ModelVersion) {
        let object = version.trainingSet.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        features = object?["features"] as? [String]
        label = object?["label"] as? String
        timeColumn = object?["time_column"] as? String
        task = object?["task"] as? String
        classes = object?["classes"] as? [String]
    }

    /// A label's value as the model's metrics read it: 0 or 1 for binary models (`true`/`false` too), the class
    /// index for multiclass ones (or the number), the number for regression; nil when it cannot be read.
    public func numericLabel(_ text: String) -> Double? {
        switch text.lowercased() {
        case "true": return task == "regression" ? nil : 1
        case "false": return task == "regression" ? nil : 0
        default: break
        }
        if let classes, let index = classes.firstIndex(of: text) { return Double(index) }
        return Double(text)
    }
}
