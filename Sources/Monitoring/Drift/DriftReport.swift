/// The drift of every compared column and of the dataset, as Evidently's `DataDriftPreset` reports it.
public struct DriftReport: Sendable, Codable, Equatable {
    /// One entry per column, in the order asked for.
    public let columns: [ColumnDrift]
    /// The share of drifted columns at which the dataset counts as drifted.
    public let driftShareThreshold: Double

    public init(columns: [ColumnDrift], driftShareThreshold: Double) {
        self.columns = columns
        self.driftShareThreshold = driftShareThreshold
    }

    /// Columns that were tested (skipped ones — empty in a window, or times — are not).
    public var testedColumns: Int { columns.count { $0.skipped == nil } }
    /// Tested columns whose test found drift.
    public var driftedColumns: Int { columns.count { $0.drifted } }
    /// Drifted over tested columns (0 when none was tested): Evidently's `DriftedColumnsCount.share`.
    public var driftShare: Double { testedColumns == 0 ? 0 : Double(driftedColumns) / Double(testedColumns) }
    /// Whether the drift share reaches the threshold.
    public var datasetDrift: Bool { testedColumns > 0 && driftShare >= driftShareThreshold }

    /// The entry of one column.
    public func column(_ name: String) -> ColumnDrift? { columns.first { $0.column == name } }
}

/// The drift of one column between the reference and the current window.
public struct ColumnDrift: Sendable, Codable, Equatable {
    public let column: String
    public let kind: ColumnKind
    /// The test, or nil when the column was skipped.
    public let method: DriftMethod?
    public let threshold: Double?
    /// The p-value or distance; nil when skipped or undefined (NaN).
    public let value: Double?
    public let drifted: Bool
    /// Non-null, finite values compared in each window.
    public let referenceRows: Int
    public let currentRows: Int
    /// Why the column was not tested, if it was not.
    public let skipped: String?
    /// Both windows' shares over common bins, for charts.
    public let distribution: Distribution?

    /// Both windows' shares of rows over the same bins: equal-width ranges of numbers or the most frequent
    /// categories (the rest as one "other" bin).
    public struct Distribution: Sendable, Codable, Equatable {
        /// Bin edges for numbers (one more than the shares); empty for categories.
        public let edges: [Double]
        /// Category labels; empty for numbers.
        public let labels: [String]
        public let reference: [Double]
        public let current: [Double]
    }

    static func skipped(_ column: String, kind: ColumnKind, reason: String, referenceRows: Int = 0, currentRows: Int = 0) -> ColumnDrift {
        ColumnDrift(
            column: column, kind: kind, method: nil, threshold: nil, value: nil, drifted: false, referenceRows: referenceRows,
            currentRows: currentRows, skipped: reason, distribution: nil)
    }
}
