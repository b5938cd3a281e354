/// One value of a column, for display, JSON and tests; bulk work uses the typed arrays in `DataColumn`.
public enum Scalar: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    case binary([UInt8])
    /// Microseconds since the epoch, UTC.
    case timestamp(Int64)
    /// Days since the epoch.
    case date(Int32)

    /// Whether this is `.null`.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The value as `DataColumn.doubles()` gives it: booleans as 0 and 1, timestamps in microseconds, dates in
    /// days, null as NaN; nil for text and bytes.
    public var number: Double? {
        switch self {
        case .null: .nan
        case .bool(let flag): flag ? 1 : 0
        case .int(let integer): Double(integer)
        case .float(let float): Double(float)
        case .double(let double): double
        case .timestamp(let micros): Double(micros)
        case .date(let days): Double(days)
        case .string, .binary: nil
        }
    }
}
