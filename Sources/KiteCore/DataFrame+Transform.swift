extension DataFrame {
    /// The named columns, in the order given.
    public func select(_ names: [String]) throws -> DataFrame {
        let indices = try names.map { try schema.requireIndex(of: $0) }
        return try DataFrame(schema: Schema(indices.map { schema.fields[$0] }), columns: indices.map { columns[$0] })
    }

    /// The same frame with columns renamed (`old: new`); every old name must exist.
    public func renamed(_ mapping: [String: String]) throws -> DataFrame {
        for old in mapping.keys { _ = try schema.requireIndex(of: old) }
        let fields = schema.fields.map { field in
            var renamed = field
            renamed.name = mapping[field.name] ?? field.name
            return renamed
        }
        return try DataFrame(schema: Schema(fields), columns: columns)
    }

    /// The rows in `range`.
    public func slice(_ range: Range<Int>) throws -> DataFrame {
        try DataFrame(schema: schema, columns: columns.map { try $0.slice(range) })
    }

    /// The rows at `indices`, in that order.
    public func take(_ indices: [Int]) throws -> DataFrame {
        if let bad = indices.first(where: { $0 < 0 || $0 >= rowCount }) {
            throw KiteError.invalidArgument("row index \(bad) is outside 0..<\(rowCount)")
        }
        return try DataFrame(schema: schema, columns: columns.map { $0.take(uncheckedIndices: indices) })
    }

    /// The rows where `mask` is true.
    public func filter(_ mask: [Bool]) throws -> DataFrame {
        guard mask.count == rowCount else {
            throw KiteError(.mismatch, "mask has \(mask.count) entries for \(rowCount) rows")
        }
        return try take(mask.indices.filter { mask[$0] })
    }

    /// The frames' rows one after another; all must have the same schema.
    public static func concatenate(_ frames: [DataFrame]) throws -> DataFrame {
        guard let schema = frames.first?.schema else {
            throw KiteError.invalidArgument("cannot concatenate zero frames")
        }
        if let other = frames.first(where: { $0.schema != schema }) {
            throw KiteError(.mismatch, "schemas differ:\n\(schema)\nversus\n\(other.schema)")
        }
        let columns = try (0..<schema.count).map { i in try DataColumn.concatenate(frames.map { $0.columns[i] }) }
        return try DataFrame(schema: schema, columns: columns)
    }
}
