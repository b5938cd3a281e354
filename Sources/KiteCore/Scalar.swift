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
}
