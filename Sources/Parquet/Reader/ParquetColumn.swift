import KiteCore

/// A leaf column of a Parquet file, with what Kite needs to decode it.
public struct ParquetColumn: Sendable {
    /// The dotted path from the root (just the name for a top-level column).
    public let name: String
    public let path: [String]
    public let physicalType: PhysicalType
    /// Byte length of FIXED_LEN_BYTE_ARRAY values; 0 otherwise.
    public let typeLength: Int
    public let logicalType: LogicalType?
    public let repetition: Repetition
    public let maxDefinitionLevel: Int
    public let maxRepetitionLevel: Int
    /// Position among the leaves, which is the index of its chunk in every row group.
    public let leafIndex: Int
    /// The Kite type its values are read as; nil when Kite cannot read this column.
    public let dataType: DataType?
    /// Why `dataType` is nil.
    public let unsupportedReason: String?

    /// The Kite type for a flat leaf of this physical and logical type.
    static func dataType(physical: PhysicalType, logical: LogicalType?) -> DataType {
        switch (physical, logical) {
        case (.boolean, _): .bool
        case (.int32, .date?): .date
        case (.int32, .decimal?), (.int64, .decimal?), (.byteArray, .decimal?), (.fixedLenByteArray, .decimal?): .float64
        case (.int32, .integer(32, false)?): .int64
        case (.int32, _): .int32
        case (.int64, .timestamp?), (.int96, _): .timestamp
        case (.int64, _): .int64
        case (.float, _), (.fixedLenByteArray, .float16?): .float32
        case (.double, _): .float64
        case (.byteArray, .string?), (.byteArray, .enumeration?), (.byteArray, .json?): .string
        case (.byteArray, _), (.fixedLenByteArray, _): .binary
        }
    }

    /// The leaves of a flattened schema tree, in order, checking every count and index.
    static func leaves(of schema: [SchemaElement]) throws -> [ParquetColumn] {
        var leaves: [ParquetColumn] = []
        var next = 1
        func walk(parentPath: [String], definition: Int, repetition: Int, nested: Bool, depth: Int) throws {
            guard depth < 64 else { throw KiteError.corrupt("schema is nested more than 64 levels deep") }
            guard next < schema.count else { throw KiteError.corrupt("schema tree has fewer elements than it claims") }
            let element = schema[next]
            next += 1
            let rep = element.repetition ?? .required
            let path = parentPath + [element.name]
            let definition = definition + (rep == .required ? 0 : 1)
            let repetition = repetition + (rep == .repeated ? 1 : 0)
            if let children = element.childCount, children > 0 {
                guard children <= schema.count - next else {
                    throw KiteError.corrupt("schema group '\(element.name)' claims \(children) children")
                }
                for _ in 0..<children {
                    try walk(parentPath: path, definition: definition, repetition: repetition, nested: true, depth: depth + 1)
                }
                return
            }
            guard let physical = element.type else {
                throw KiteError.corrupt("schema leaf '\(element.name)' has no physical type")
            }
            let name = path.joined(separator: ".")
            var reason: String?
            if nested || rep == .repeated {
                reason = "column '\(name)' is nested or repeated, which Kite does not read yet"
            } else if physical == .fixedLenByteArray && (element.typeLength ?? 0) <= 0 {
                reason = "column '\(name)' is FIXED_LEN_BYTE_ARRAY without a length"
            }
            leaves.append(
                ParquetColumn(
                    name: name, path: path, physicalType: physical, typeLength: element.typeLength ?? 0,
                    logicalType: element.logicalType, repetition: rep, maxDefinitionLevel: definition,
                    maxRepetitionLevel: repetition, leafIndex: leaves.count,
                    dataType: reason == nil ? dataType(physical: physical, logical: element.logicalType) : nil,
                    unsupportedReason: reason))
        }
        let rootChildren = schema[0].childCount ?? 0
        guard rootChildren <= schema.count - 1 else { throw KiteError.corrupt("schema root claims \(rootChildren) children") }
        for _ in 0..<rootChildren {
            try walk(parentPath: [], definition: 0, repetition: 0, nested: false, depth: 0)
        }
        return leaves
    }
}
