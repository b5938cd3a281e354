/// What a model predicts, which decides its objective, its outputs and its metrics.
public enum LearningTask: String, Sendable, Hashable, Codable, CaseIterable {
    /// The probability of class 1 of a 0/1 (or true/false) label.
    case binary
    /// One of several classes; a probability per class.
    case multiclass
    /// A number.
    case regression

}
