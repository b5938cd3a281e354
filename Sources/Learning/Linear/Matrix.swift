import KiteCore

/// A dense row-major matrix of `Double`: the features of `rows` examples, `columns` each.
public struct Matrix: Sendable, Hashable {
    public let rows: Int
    public let columns: Int
    /// `values[row * columns + column]`.
    public var values: [Double]

    /// A matrix from row-major values; the count must be `rows × columns`.
    public init(rows: Int, columns: Int, values: [Double]) throws {
        guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns) == (values.count, false) else {
            throw KiteError.invalidArgument("a \(rows)×\(columns) matrix needs \(rows)×\(columns) values, not \(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix from rows of equal length.
    public init(_ rows: [[Double]]) throws {
        let columns = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == columns }) else { throw KiteError.invalidArgument("matrix rows differ in length") }
        try self.init(rows: rows.count, columns: columns, values: rows.flatMap { $0 })
    }

    /// The element at (`row`, `column`).
    public subscript(row: Int, column: Int) -> Double { values[row * columns + column] }
}
