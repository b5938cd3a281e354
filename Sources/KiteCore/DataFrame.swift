/// A table in memory: a `Schema` and one `DataColumn` per field, all of the same length.
///
/// This is how data moves between Kite's modules (see DESIGN.md, "Columnar core").
public struct DataFrame: Sendable {
    /// The names, types and nullability of the columns.
    public let schema: Schema
    /// The columns, in schema order.
    public let columns: [DataColumn]
    /// The number of rows.
    public let rowCount: Int

    /// Creates a frame, checking that every column has the field's type and the same length.
    public init(schema: Schema, columns: [DataColumn]) throws {
        guard schema.count == columns.count else {
            throw KiteError(.mismatch, "schema has \(schema.count) fields but \(columns.count) columns were given")
        }
        let rowCount = columns.first?.count ?? 0
        for (field, column) in zip(schema.fields, columns) {
            guard field.type == column.type else {
                throw KiteError(.mismatch, "column '\(field.name)' is \(column.type), schema says \(field.type)")
            }
            guard column.count == rowCount else {
                throw KiteError(.mismatch, "column '\(field.name)' has \(column.count) rows, expected \(rowCount)")
            }
            guard field.nullable || column.nullCount == 0 else {
                throw KiteError(.mismatch, "column '\(field.name)' is not nullable but has nulls")
            }
        }
        self.schema = schema
        self.columns = columns
        self.rowCount = rowCount
    }

    /// Creates a frame of nullable fields from named columns.
    public init(_ namedColumns: [(String, DataColumn)]) throws {
        let schema = try Schema(namedColumns.map { Field($0.0, $0.1.type) })
        try self.init(schema: schema, columns: namedColumns.map(\.1))
    }

    /// An empty frame with this schema.
    public init(empty schema: Schema) {
        self.schema = schema
        columns = schema.fields.map { DataColumn.empty($0.type) }
        rowCount = 0
    }

    /// The column named `name`, or a `not_found` error listing the columns.
    public func column(_ name: String) throws -> DataColumn {
        columns[try schema.requireIndex(of: name)]
    }

    /// The column named `name`, if there is one.
    public subscript(name: String) -> DataColumn? {
        schema.index(of: name).map { columns[$0] }
    }
}

extension DataColumn {
    /// A column of `type` with no rows.
    public static func empty(_ type: DataType) -> DataColumn {
        let values: Values
        switch type {
        case .bool: values = .bool([])
        case .int32, .date: values = .int32([])
        case .int64, .timestamp: values = .int64([])
        case .float32: values = .float32([])
        case .float64: values = .float64([])
        case .string, .binary: values = .bytes(offsets: [0], data: [])
        }
        return DataColumn(unchecked: type, values, nil)
    }
}
