import KiteCore

/// One node of a Parquet file's schema tree (the flattened, depth-first list in the footer).
public struct SchemaElement: Sendable {
    public var name: String
    /// The physical type; nil for groups.
    public var type: PhysicalType?
    /// Byte length of FIXED_LEN_BYTE_ARRAY values.
    public var typeLength: Int?
    public var repetition: Repetition?
    /// Number of children; nil or 0 for leaves.
    public var childCount: Int?
    public var logicalType: LogicalType?

    static func decode(_ reader: inout ThriftCompactReader) throws -> SchemaElement {
        var element = SchemaElement(name: "")
        var convertedType: Int32?
        var scale = 0
        var precision = 0
        var modern: LogicalType?
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .i32):
                let raw = try r.readI32()
                guard let physical = PhysicalType(rawValue: raw) else {
                    throw KiteError.corrupt("unknown physical type \(raw)")
                }
                element.type = physical
            case (2, .i32): element.typeLength = try r.readCount("type length")
            case (3, .i32):
                let raw = try r.readI32()
                guard let repetition = Repetition(rawValue: raw) else {
                    throw KiteError.corrupt("unknown repetition \(raw)")
                }
                element.repetition = repetition
            case (4, .binary): element.name = try r.readString()
            case (5, .i32): element.childCount = try r.readCount("child count")
            case (6, .i32): convertedType = try r.readI32()
            case (7, .i32): scale = Int(try r.readI32())
            case (8, .i32): precision = Int(try r.readI32())
            case (10, .struct): modern = try LogicalType.decode(&r)
            default: try r.skip(type)
            }
        }
        if let modern {
            element.logicalType = modern
        } else if let convertedType {
            element.logicalType = LogicalType(convertedType: convertedType, scale: scale, precision: precision)
        }
        return element
    }

    func encode(_ writer: inout ThriftCompactWriter) {
        writer.writeStruct { w in
            if let type { w.field(1, i32: type.rawValue) }
            if let typeLength { w.field(2, i32: Int32(typeLength)) }
            if let repetition { w.field(3, i32: repetition.rawValue) }
            w.field(4, string: name)
            if let childCount { w.field(5, i32: Int32(childCount)) }
            switch logicalType {
            case .string: w.field(6, i32: 0)
            case .date: w.field(6, i32: 6)
            case .timestamp(.micros, _): w.field(6, i32: 10)
            case .timestamp(.millis, _): w.field(6, i32: 9)
            default: break
            }
            if let logicalType { w.field(10) { logicalType.encode(&$0) } }
        }
    }
}
