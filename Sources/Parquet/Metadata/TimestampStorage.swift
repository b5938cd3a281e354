import KiteCore

/// How a Parquet file stores a timestamp column: its unit, and whether values are UTC instants or naive wall
/// times. Kite computes in UTC microseconds; keeping the storage lets a file read from pandas (naive,
/// nanoseconds) be written back as pandas wrote it.
public struct TimestampStorage: Sendable, Hashable {
    public var unit: LogicalType.TimeUnit
    public var adjustedToUTC: Bool

    /// Kite's own storage: UTC microseconds.
    public static let kite = TimestampStorage(unit: .micros, adjustedToUTC: true)

    /// A storage.
    public init(unit: LogicalType.TimeUnit, adjustedToUTC: Bool) {
        self.unit = unit
        self.adjustedToUTC = adjustedToUTC
    }

    /// `column` (microseconds) in this storage's unit: milliseconds round down, nanoseconds must fit in 64 bits.
    func stored(_ column: DataColumn, name: String) throws -> DataColumn {
        guard case .int64(let micros) = column.values, unit != .micros else { return column }
        var values = [Int64](repeating: 0, count: micros.count)
        for i in micros.indices where !column.isNull(i) {
            if unit == .millis {
                values[i] = Timestamp.floorDivide(micros[i], 1000).quotient
            } else {
                let (scaled, overflow) = micros[i].multipliedReportingOverflow(by: 1000)
                guard !overflow else {
                    throw KiteError.invalidArgument("column '\(name)': \(Timestamp.format(micros[i])) is outside the range of nanosecond timestamps")
                }
                values[i] = scaled
            }
        }
        return try DataColumn(type: column.type, values: .int64(values), validity: column.validity)
    }
}
