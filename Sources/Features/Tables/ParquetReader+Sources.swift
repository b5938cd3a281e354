import KiteCore
import Parquet

extension ParquetReader {
    /// Refuses a file of `source` (stored at `key`) that lacks one of `columns`, naming the columns it has.
    func requireColumns(_ columns: [String], key: String, source: String) throws {
        for name in columns where schema.index(of: name) == nil {
            throw KiteError.invalidArgument("\(key) (source '\(source)') has no column '\(name)'; it has: \(schema.names.joined(separator: ", "))")
        }
    }

    /// Whether row group `group` may hold times in `window`: false only when its statistics of `timeColumn` say
    /// every time is outside, so the group can be skipped unread.
    func rowGroup(_ group: Int, timeColumn: ParquetColumn, mayOverlap window: ClosedRange<Int64>) -> Bool {
        guard let stats = statistics(rowGroup: group, column: timeColumn), case .timestamp(let low)? = stats.min, case .timestamp(let high)? = stats.max
        else { return true }
        return high >= window.lowerBound && low <= window.upperBound
    }

    /// The latest time in row group `group` by its statistics of `timeColumn`; nil when it has none.
    func latestTime(rowGroup group: Int, timeColumn: ParquetColumn) -> Int64? {
        guard let stats = statistics(rowGroup: group, column: timeColumn), case .timestamp(let high)? = stats.max else { return nil }
        return high
    }
}
