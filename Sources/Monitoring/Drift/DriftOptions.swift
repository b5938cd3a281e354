/// Which test and threshold each column gets, and when a dataset counts as drifted: Evidently's
/// `DataDriftPreset` options. A column's own setting wins over its kind's, which wins over the setting for all.
public struct DriftOptions: Sendable, Equatable {
    /// The share of drifted columns at which the dataset counts as drifted (Evidently's `drift_share`).
    public var driftShare = 0.5
    /// The test for every column (`method`), for numerical (`num_method`) and categorical columns (`cat_method`).
    public var method: DriftMethod?
    public var numericalMethod: DriftMethod?
    public var categoricalMethod: DriftMethod?
    /// Per column (`per_column_method`).
    public var columnMethods: [String: DriftMethod] = [:]
    /// Thresholds in the same order of precedence; otherwise the test's default.
    public var threshold: Double?
    public var numericalThreshold: Double?
    public var categoricalThreshold: Double?
    public var columnThresholds: [String: Double] = [:]
    /// Kinds that differ from the column's type (an integer code compared as categories).
    public var columnKinds: [String: ColumnKind] = [:]

    public init() {}

    /// The test a user chose for a column, or nil for Evidently's default.
    func chosenMethod(_ column: String, kind: ColumnKind) -> DriftMethod? {
        columnMethods[column] ?? (kind == .numerical ? numericalMethod : categoricalMethod) ?? method
    }

    /// The threshold for a column tested by `method`.
    func threshold(_ column: String, kind: ColumnKind, method: DriftMethod) -> Double {
        columnThresholds[column] ?? (kind == .numerical ? numericalThreshold : categoricalThreshold) ?? threshold ?? method.defaultThreshold
    }
}
