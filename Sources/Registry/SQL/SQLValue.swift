/// A value bound to or read from a SQL statement; the four types both backends share.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    /// An optional integer, NULL when absent.
    public init(_ value: Int64?) { self = value.map(SQLValue.integer) ?? .null }
    /// An optional string, NULL when absent.
    public init(_ value: String?) { self = value.map(SQLValue.text) ?? .null }
    /// A number.
    public init(_ value: Double) { self = .real(value) }
    /// An integer.
    public init(_ value: Int) { self = .integer(Int64(value)) }
}

extension SQLValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
}

/// One result row, read by column name.
public struct SQLRow: Sendable {
    /// Column names, shared by every row of a result.
    let columns: [String: Int]
    let values: [SQLValue]

    /// The value in `column`, `.null` when the column is absent.
    public subscript(_ column: String) -> SQLValue {
        guard let index = columns[column], index < values.count else { return .null }
        return values[index]
    }

    /// The text in `column` ("" when NULL; integers and reals as their decimal text).
    public func text(_ column: String) -> String { optionalText(column) ?? "" }

    /// The text in `column`, nil when NULL.
    public func optionalText(_ column: String) -> String? {
        switch self[column] {
        case .text(let text): text
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .null: nil
        }
    }

    /// The integer in `column`, nil when NULL.
    public func integer(_ column: String) -> Int64? {
        switch self[column] {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value.rounded(.towardZero))
        case .text(let text): Int64(text)
        case .null: nil
        }
    }

    /// The number in `column`, nil when NULL.
    public func real(_ column: String) -> Double? {
        switch self[column] {
        case .real(let value): value
        case .integer(let value): Double(value)
        case .text(let text): Double(text)
        case .null: nil
        }
    }
}
