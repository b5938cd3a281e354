import KiteCore

/// Data drift of a current window against a reference, column by column, with Evidently's choice of test,
/// thresholds and dataset-level drift share (`DataDriftPreset`); columns are tested in parallel.
public enum DriftAnalysis {
    /// Numeric columns are numerical and text and booleans categorical unless `options.columnKinds` says otherwise;
    /// time columns are skipped. `columns` defaults to every column of the reference. A column the current window
    /// lacks is an error; a column empty in either window (all null) is reported as skipped, where Evidently stops.
    public static func run(reference: DataFrame, current: DataFrame, columns: [String]? = nil, options: DriftOptions = DriftOptions()) async throws
        -> DriftReport
    {
        let names = columns ?? reference.schema.fields.map(\.name)
        let pairs = try names.map { name in
            guard let referenceColumn = reference[name] else { throw KiteError.invalidArgument("the reference data has no column '\(name)'") }
            guard let currentColumn = current[name] else { throw KiteError.invalidArgument("the current data has no column '\(name)'") }
            return (name, referenceColumn, currentColumn)
        }
        let results = try await Parallel.map(pairs.count) { i in
            let (name, referenceColumn, currentColumn) = pairs[i]
            return try column(name, reference: referenceColumn, current: currentColumn, options: options)
        }
        return DriftReport(columns: results, driftShareThreshold: options.driftShare)
    }

    /// The drift of one column.
    static func column(_ name: String, reference: DataColumn, current: DataColumn, options: DriftOptions) throws -> ColumnDrift {
        let kind = options.columnKinds[name] ?? (reference.type.isNumeric ? .numerical : .categorical)
        guard let sample = DriftSample(reference: reference, current: current, kind: kind) else {
            let reason =
                [.timestamp, .date, .binary].contains(reference.type)
                ? "\(reference.type) columns are not compared" : "a \(reference.type) and a \(current.type) column cannot be compared as numbers"
            return .skipped(name, kind: kind, reason: reason)
        }
        let referenceRows = sample.referenceCount
        let currentRows = sample.currentCount
        guard referenceRows > 0, currentRows > 0 else {
            let window = referenceRows == 0 ? "reference" : "current"
            return .skipped(name, kind: kind, reason: "no values in the \(window) window", referenceRows: referenceRows, currentRows: currentRows)
        }
        let method: DriftMethod
        if let chosen = options.chosenMethod(name, kind: kind) {
            guard chosen.accepts(kind) else {
                throw KiteError.invalidArgument("the \(chosen.rawValue) test does not apply to the \(kind.rawValue) column '\(name)'")
            }
            method = chosen
        } else {
            // Evidently's default may count a numerical column's few values (χ², z), which a user may not choose.
            method = .evidentlyDefault(kind: kind, referenceRows: referenceRows, distinctValues: sample.distinctValues())
        }
        let threshold = options.threshold(name, kind: kind, method: method)
        let value = sample.statistic(method)
        return ColumnDrift(
            column: name, kind: kind, method: method, threshold: threshold, value: value.isNaN ? nil : value,
            drifted: method.drifted(value, threshold: threshold), referenceRows: referenceRows, currentRows: currentRows, skipped: nil,
            distribution: sample.distribution())
    }
}
