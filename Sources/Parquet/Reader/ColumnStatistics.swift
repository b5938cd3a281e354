import KiteCore

/// A column chunk's statistics in Kite's types, for pruning row groups and for `kite parquet stats`.
public struct ColumnStatistics: Sendable {
    /// The smallest non-null value, when the file records one Kite can trust.
    public var min: Scalar?
    /// The largest non-null value.
    public var max: Scalar?
    public var nullCount: Int?
    public var distinctCount: Int?
}

extension ParquetReader {
    /// The statistics of `column` in row group `rowGroup`, or nil when the file has none.
    public func statistics(rowGroup: Int, column: ParquetColumn) -> ColumnStatistics? {
        guard rowGroup >= 0, rowGroup < metadata.rowGroups.count, column.leafIndex < columns.count,
            let raw = metadata.rowGroups[rowGroup].columns[column.leafIndex].statistics
        else { return nil }
        var result = ColumnStatistics()
        result.nullCount = raw.nullCount.flatMap { Int(exactly: $0) }
        result.distinctCount = raw.distinctCount.flatMap { Int(exactly: $0) }
        // The legacy min/max are ordered as signed values: safe for signed numbers only.
        let legacySafe: Bool
        switch (column.physicalType, column.logicalType) {
        case (.int32, .integer(_, false)?), (.int64, .integer(_, false)?), (_, .decimal?): legacySafe = false
        case (.boolean, _), (.int32, _), (.int64, _), (.float, _), (.double, _): legacySafe = true
        default: legacySafe = false
        }
        result.min = decode(raw.minBytes ?? (legacySafe ? raw.legacyMin : nil), column)
        result.max = decode(raw.maxBytes ?? (legacySafe ? raw.legacyMax : nil), column)
        return result
    }

    private func decode(_ bytes: [UInt8]?, _ column: ParquetColumn) -> Scalar? {
        guard let bytes, let type = column.dataType else { return nil }
        let values: DataColumn.Values
        if column.physicalType == .byteArray || column.physicalType == .fixedLenByteArray {
            values = .bytes(offsets: [0, bytes.count], data: bytes)
        } else {
            guard
                let plain = try? PlainDecoder.decode(
                    bytes, range: 0..<bytes.count, count: 1, type: column.physicalType, typeLength: column.typeLength)
            else { return nil }
            values = plain
        }
        guard let converted = try? LogicalConversion.convert(values, validity: nil, column: column, to: type) else {
            return nil
        }
        return converted.scalar(at: 0)
    }
}
