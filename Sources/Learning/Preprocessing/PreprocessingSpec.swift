/// What to do to one input column before learning, as a training config declares it: numeric steps applied in
/// order, or an encoding for a string column. Columns without a spec pass through unchanged (numbers, booleans,
/// and on-demand features alike).
public struct ColumnSpec: Sendable, Hashable, Codable {
    /// A numeric step.
    public enum Step: Sendable, Hashable, Codable {
        /// Replace missing values (NaN or null) with the training mean, median or a constant; `indicator` adds a
        /// `column__missing` output that is 1 where the value was missing.
        case impute(Imputation, indicator: Bool)
        /// (x − mean) / standard deviation (population, as scikit-learn's StandardScaler); a constant column
        /// keeps scale 1.
        case standardize
        /// (x − min) / (max − min) over the training rows; a constant column keeps scale 1.
        case minMax
        /// log(1 + x).
        case log1p
        /// Limit to [lower, upper].
        case clip(lower: Double, upper: Double)
        /// The index of the bucket: the number of edges ≤ x (numpy's digitize).
        case bucketize(edges: [Double])
    }

    /// How `impute` fills.
    public enum Imputation: Sendable, Hashable, Codable {
        case mean, median
        case constant(Double)
    }

    /// How a string column becomes numbers.
    public enum Encoding: String, Sendable, Hashable, Codable {
        /// One output per training category (`column=value`), 1 for the row's category; unknown and missing
        /// categories give all zeros.
        case oneHot = "onehot"
        /// The category's index among the sorted training categories; unknown and missing give NaN (missing).
        case ordinal
    }

    public var column: String
    public var steps: [Step]
    public var encoding: Encoding?

    /// Numeric steps for `column`.
    public init(column: String, steps: [Step]) {
        self.column = column
        self.steps = steps
        encoding = nil
    }

    /// An encoding for the string column `column`.
    public init(column: String, encoding: Encoding) {
        self.column = column
        steps = []
        self.encoding = encoding
    }
}
