/// The logical type annotation of a Parquet leaf, merged from the modern `LogicalType` union and the legacy
/// `ConvertedType` enum.
public enum LogicalType: Sendable, Hashable, CustomStringConvertible {
    /// Time units of timestamps.
    public enum TimeUnit: Sendable, Hashable { case millis, micros, nanos }

    case string
    case enumeration
    case json
    case bson
    case uuid
    case date
    case time(unit: TimeUnit)
    case timestamp(unit: TimeUnit, adjustedToUTC: Bool)
    case integer(bitWidth: Int, signed: Bool)
    case decimal(scale: Int, precision: Int)
    case float16
    case map
    case list
    case unknown

    public var description: String {
        switch self {
        case .string: "STRING"
        case .enumeration: "ENUM"
        case .json: "JSON"
        case .bson: "BSON"
        case .uuid: "UUID"
        case .date: "DATE"
        case .time(let unit): "TIME(\(unit))"
        case .timestamp(let unit, let utc): "TIMESTAMP(\(unit), utc=\(utc))"
        case .integer(let width, let signed): "INT(\(width), \(signed ? "signed" : "unsigned"))"
        case .decimal(let scale, let precision): "DECIMAL(\(precision), \(scale))"
        case .float16: "FLOAT16"
        case .map: "MAP"
        case .list: "LIST"
        case .unknown: "UNKNOWN"
        }
    }

    /// The logical type a legacy `ConvertedType` number stands for, if any.
    init?(convertedType: Int32, scale: Int, precision: Int) {
        switch convertedType {
        case 0: self = .string
        case 1, 2: self = .map
        case 3: self = .list
        case 4: self = .enumeration
        case 5: self = .decimal(scale: scale, precision: precision)
        case 6: self = .date
        case 7: self = .time(unit: .millis)
        case 8: self = .time(unit: .micros)
        case 9: self = .timestamp(unit: .millis, adjustedToUTC: true)
        case 10: self = .timestamp(unit: .micros, adjustedToUTC: true)
        case 11: self = .integer(bitWidth: 8, signed: false)
        case 12: self = .integer(bitWidth: 16, signed: false)
        case 13: self = .integer(bitWidth: 32, signed: false)
        case 14: self = .integer(bitWidth: 64, signed: false)
        case 15: self = .integer(bitWidth: 8, signed: true)
        case 16: self = .integer(bitWidth: 16, signed: true)
        case 17: self = .integer(bitWidth: 32, signed: true)
        case 18: self = .integer(bitWidth: 64, signed: true)
        case 19: self = .json
        case 20: self = .bson
        default: return nil
        }
    }
}

extension LogicalType {
    /// Decodes the Thrift `LogicalType` union.
    static func decode(_ reader: inout ThriftCompactReader) throws -> LogicalType? {
        var result: LogicalType?
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .struct):
                try r.skip(type)
                result = .string
            case (2, .struct):
                try r.skip(type)
                result = .map
            case (3, .struct):
                try r.skip(type)
                result = .list
            case (4, .struct):
                try r.skip(type)
                result = .enumeration
            case (5, .struct):
                var scale = 0
                var precision = 0
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .i32): scale = Int(try r.readI32())
                    case (2, .i32): precision = Int(try r.readI32())
                    default: try r.skip(type)
                    }
                }
                result = .decimal(scale: scale, precision: precision)
            case (6, .struct):
                try r.skip(type)
                result = .date
            case (7, .struct):
                let (_, unit) = try decodeTime(&r)
                result = .time(unit: unit)
            case (8, .struct):
                let (utc, unit) = try decodeTime(&r)
                result = .timestamp(unit: unit, adjustedToUTC: utc)
            case (10, .struct):
                var width = 0
                var signed = true
                try r.readStruct { r, id, type in
                    switch (id, type) {
                    case (1, .byte): width = Int(Int8(bitPattern: try r.readByte()))
                    case (2, .boolTrue), (2, .boolFalse): signed = try r.readBool()
                    default: try r.skip(type)
                    }
                }
                result = .integer(bitWidth: width, signed: signed)
            case (11, .struct):
                try r.skip(type)
                result = .unknown
            case (12, .struct):
                try r.skip(type)
                result = .json
            case (13, .struct):
                try r.skip(type)
                result = .bson
            case (14, .struct):
                try r.skip(type)
                result = .uuid
            case (15, .struct):
                try r.skip(type)
                result = .float16
            default: try r.skip(type)
            }
        }
        return result
    }

    private static func decodeTime(_ reader: inout ThriftCompactReader) throws -> (Bool, TimeUnit) {
        var utc = false
        var unit = TimeUnit.micros
        try reader.readStruct { r, id, type in
            switch (id, type) {
            case (1, .boolTrue), (1, .boolFalse): utc = try r.readBool()
            case (2, .struct):
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: unit = .millis
                    case 2: unit = .micros
                    case 3: unit = .nanos
                    default: break
                    }
                    try r.skip(type)
                }
            default: try r.skip(type)
            }
        }
        return (utc, unit)
    }

    /// Encodes the modern union, or nil where only a converted type applies.
    func encode(_ writer: inout ThriftCompactWriter) {
        switch self {
        case .string: writer.field(1, struct: { _ in })
        case .date: writer.field(6, struct: { _ in })
        case .timestamp(let unit, let utc):
            writer.field(8) { w in
                w.field(1, bool: utc)
                w.field(2) { w in
                    switch unit {
                    case .millis: w.field(1, struct: { _ in })
                    case .micros: w.field(2, struct: { _ in })
                    case .nanos: w.field(3, struct: { _ in })
                    }
                }
            }
        case .integer(let width, let signed):
            writer.field(10) { w in
                w.field(1, byte: Int8(truncatingIfNeeded: width))
                w.field(2, bool: signed)
            }
        default: break
        }
    }
}
