import KiteCore

/// A Parquet file's footer: schema, row groups and key-value metadata.
public struct FileMetaData: Sendable {
    public var version: Int32
    /// The schema tree, flattened depth-first; element 0 is the root.
    public var schema: [SchemaElement]
    public var rowCount: Int
    public var rowGroups: [RowGroup]
    public var keyValueMetadata: [(key: String, value: String?)]
    public var createdBy: String?

    static func decode(_ reader: inout ThriftCompactReader) throws -> FileMetaData {
        var meta = FileMetaData(version: 0, schema: [], rowCount: 0, rowGroups: [], keyValueMetadata: [], createdBy: nil)
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32): meta.version = try r.readI32()
            case (2, .list): meta.schema = try r.readList { try SchemaElement.decode(&$0) }
            case (3, .i64): meta.rowCount = try r.readOffset("row count")
            case (4, .list): meta.rowGroups = try r.readList { try RowGroup.decode(&$0) }
            case (5, .list):
                meta.keyValueMetadata = try r.readList { r in
                    var key = ""
                    var value: String?
                    try r.readStruct { r, id, type in
                        switch (id, type) {
                        case (1, .binary): key = try r.readString()
                        case (2, .binary): value = try r.readString()
                        default: try r.skip(type)
                        }
                    }
                    return (key, value)
                }
            case (6, .binary): meta.createdBy = try r.readString()
            default: try r.skip(type)
            }
        }
        guard !meta.schema.isEmpty else { throw KiteError.corrupt("the file's schema is empty") }
        return meta
    }

    func encode() -> [UInt8] {
        var writer = ThriftCompactWriter()
        writer.writeStruct { w in
            w.field(1, i32: version)
            w.field(2, listOf: .struct, count: schema.count) { w in
                for element in schema { element.encode(&w) }
            }
            w.field(3, i64: Int64(rowCount))
            w.field(4, listOf: .struct, count: rowGroups.count) { w in
                for group in rowGroups { group.encode(&w) }
            }
            if !keyValueMetadata.isEmpty {
                w.field(5, listOf: .struct, count: keyValueMetadata.count) { w in
                    for (key, value) in keyValueMetadata {
                        w.writeStruct { w in
                            w.field(1, string: key)
                            if let value { w.field(2, string: value) }
                        }
                    }
                }
            }
            if let createdBy { w.field(6, string: createdBy) }
            // column_orders: TYPE_DEFINED_ORDER for every leaf, so readers trust min_value/max_value.
            let leaves = schema.count - 1
            w.field(7, listOf: .struct, count: leaves) { w in
                for _ in 0..<leaves { w.writeStruct { $0.field(1, struct: { _ in }) } }
            }
        }
        return writer.bytes
    }
}

/// One row group: its row count and a column chunk per leaf column.
public struct RowGroup: Sendable {
    public var columns: [ColumnChunk]
    public var totalByteSize: Int
    public var rowCount: Int

    static func decode(_ reader: inout ThriftCompactReader) throws -> RowGroup {
        var group = RowGroup(columns: [], totalByteSize: 0, rowCount: 0)
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .list): group.columns = try r.readList { try ColumnChunk.decode(&$0) }
            case (2, .i64): group.totalByteSize = try r.readOffset("row group size")
            case (3, .i64): group.rowCount = try r.readOffset("row group row count")
            default: try r.skip(type)
            }
        }
        return group
    }

    func encode(_ writer: inout ThriftCompactWriter) {
        writer.writeStruct { w in
            w.field(1, listOf: .struct, count: columns.count) { w in
                for column in columns { column.encode(&w) }
            }
            w.field(2, i64: Int64(totalByteSize))
            w.field(3, i64: Int64(rowCount))
        }
    }
}

/// Where a column chunk's pages are and how they are stored.
public struct ColumnChunk: Sendable {
    public var type: PhysicalType = .int32
    public var encodings: [Encoding] = []
    public var path: [String] = []
    public var codec: CompressionCodec = .uncompressed
    public var valueCount: Int = 0
    public var totalUncompressedSize: Int = 0
    public var totalCompressedSize: Int = 0
    public var dataPageOffset: Int = 0
    public var dictionaryPageOffset: Int?
    public var statistics: Statistics?
    /// Set (non-empty) when the chunk's pages live in another file, as in a dataset's `_metadata` summary.
    public var filePath: String?

    /// Whether the pages are in another file.
    public var isExternal: Bool { !(filePath ?? "").isEmpty }

    /// The byte range of the chunk's pages, starting at the dictionary page when there is one.
    public var byteRange: Range<Int> {
        let start: Int
        if let dictionaryPageOffset, dictionaryPageOffset > 0, dictionaryPageOffset < dataPageOffset {
            start = dictionaryPageOffset
        } else {
            start = dataPageOffset
        }
        return start..<(start + totalCompressedSize)
    }

    static func decode(_ reader: inout ThriftCompactReader) throws -> ColumnChunk {
        var chunk = ColumnChunk()
        var sawMetadata = false
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .binary): chunk.filePath = try r.readString()
            case (3, .struct):
                sawMetadata = true
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32):
                        let raw = try r.readI32()
                        guard let physical = PhysicalType(rawValue: raw) else {
                            throw KiteError.corrupt("unknown physical type \(raw)")
                        }
                        chunk.type = physical
                    case (2, .list): chunk.encodings = try r.readList { Encoding(rawValue: try $0.readI32()) }
                    case (3, .list): chunk.path = try r.readList { try $0.readString() }
                    case (4, .i32): chunk.codec = CompressionCodec(rawValue: try r.readI32())
                    case (5, .i64): chunk.valueCount = try r.readOffset("value count")
                    case (6, .i64): chunk.totalUncompressedSize = try r.readOffset("uncompressed size")
                    case (7, .i64): chunk.totalCompressedSize = try r.readOffset("compressed size")
                    case (9, .i64): chunk.dataPageOffset = try r.readOffset("data page offset")
                    case (11, .i64): chunk.dictionaryPageOffset = try r.readOffset("dictionary page offset")
                    case (12, .struct): chunk.statistics = try Statistics.decode(&r)
                    default: try r.skip(type)
                    }
                }
            default: try r.skip(type)
            }
        }
        guard sawMetadata else { throw KiteError.corrupt("a column chunk has no metadata") }
        return chunk
    }

    func encode(_ writer: inout ThriftCompactWriter) {
        writer.writeStruct { w in
            w.field(2, i64: Int64(dataPageOffset))
            w.field(3) { w in
                w.field(1, i32: type.rawValue)
                w.field(2, listOf: .i32, count: encodings.count) { w in
                    for encoding in encodings { w.writeZigzag(Int64(encoding.rawValue)) }
                }
                w.field(3, listOf: .binary, count: path.count) { w in
                    for part in path {
                        w.writeVarint(UInt64(part.utf8.count))
                        for byte in part.utf8 { w.appendRaw(byte) }
                    }
                }
                w.field(4, i32: codec.rawValue)
                w.field(5, i64: Int64(valueCount))
                w.field(6, i64: Int64(totalUncompressedSize))
                w.field(7, i64: Int64(totalCompressedSize))
                w.field(9, i64: Int64(dataPageOffset))
                if let dictionaryPageOffset { w.field(11, i64: Int64(dictionaryPageOffset)) }
                if let statistics { w.field(12) { statistics.encodeFields(&$0) } }
            }
        }
    }
}
