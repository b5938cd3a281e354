/// The logical type of a column's values.
public enum DataType: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case bool
    case int32
    case int64
    case float32
    case float64
    case string
    case binary
    /// Microseconds since 1970-01-01T00:00:00Z, stored as `Int64`.
    case timestamp
    /// Days since 1970-01-01, stored as `Int32`.
    case date

    public var description: String { rawValue }

    /// Whether values of this type are numbers (including timestamps and dates, which are stored as integers).
    public var isNumeric: Bool {
        switch self {
        case .int32, .int64, .float32, .float64, .timestamp, .date: true
        case .bool, .string, .binary: false
        }
    }

    /// Parses a type name as written in schemas and the command line (`int64`, `double`, `str`, `timestamp`, …).
    public init(name: String) throws {
        switch name.lowercased() {
        case "bool", "boolean": self = .bool
        case "int32", "int": self = .int32
        case "int64", "long", "bigint": self = .int64
        case "float32", "float": self = .float32
        case "float64", "double": self = .float64
        case "string", "str", "utf8": self = .string
        case "binary", "bytes": self = .binary
        case "timestamp", "datetime": self = .timestamp
        case "date": self = .date
        default:
            throw KiteError.invalidArgument(
                "unknown type '\(name)': expected one of \(DataType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }
}
