import KiteCore

/// Raw min/max statistics of a column chunk or page, as stored (plain-encoded bytes).
public struct Statistics: Sendable {
    /// Plain-encoded minimum, from `min_value` (or the legacy `min` where its order is safe).
    public var minBytes: [UInt8]?
    /// Plain-encoded maximum.
    public var maxBytes: [UInt8]?
    public var nullCount: Int64?
    public var distinctCount: Int64?
    /// The legacy `min`/`max` fields, whose order is only trustworthy for signed numbers.
    var legacyMin: [UInt8]?
    var legacyMax: [UInt8]?

    static func decode(_ reader: inout ThriftCompactReader) throws -> Statistics {
        var stats = Statistics()
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .binary): stats.legacyMax = try r.readBinary()
            case (2, .binary): stats.legacyMin = try r.readBinary()
            case (3, .i64): stats.nullCount = try r.readI64()
            case (4, .i64): stats.distinctCount = try r.readI64()
            case (5, .binary): stats.maxBytes = try r.readBinary()
            case (6, .binary): stats.minBytes = try r.readBinary()
            default: try r.skip(type)
            }
        }
        return stats
    }

    /// Writes the struct's fields (the caller opens and closes the struct).
    func encodeFields(_ w: inout ThriftCompactWriter) {
        if let nullCount { w.field(3, i64: nullCount) }
        if let distinctCount { w.field(4, i64: distinctCount) }
        if let maxBytes { w.field(5, binary: maxBytes) }
        if let minBytes { w.field(6, binary: minBytes) }
    }
}
