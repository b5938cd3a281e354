import KiteCore

/// The point-in-time correct join behind training sets: for every entity row at time T, each view's row with the
/// same key whose event time is at most T and, when the view has a ttl, at least T − ttl; equal event times go to
/// the greatest created time, then to the later row. Every entity row comes out, in order, with nulls where
/// nothing matches; its other columns (labels) pass through.
///
/// Implementation: each view is indexed once (`IndexedFeatureTable`: keys become dense ids, the rows bucketed by id
/// and sorted by time inside each bucket); the entity rows are bucketed and sorted the same way, and one merge pass
/// per bucket finds each entity row's match. Buckets are split across threads. Memory is a few integers per row
/// beyond the columns themselves.
public enum PointInTimeJoin {
    /// Joins `tables` onto `entities`, whose time column is `timestamp`.
    public static func join(entities: DataFrame, timestamp: String, tables: [FeatureTable]) async throws -> DataFrame {
        try await join(entities: entities, timestamp: timestamp, tables: tables.map(IndexedFeatureTable.init))
    }

    /// Joins tables indexed beforehand onto `entities`, whose time column is `timestamp`.
    public static func join(entities: DataFrame, timestamp: String, tables: [IndexedFeatureTable]) async throws -> DataFrame {
        let entityTimes = try timestamps(entities, timestamp, what: "the entity frame")
        var names = entities.schema.names
        var fields = entities.schema.fields
        var columns = entities.columns
        for indexed in tables {
            let table = indexed.table
            let match = try await indexed.matches(entities: entities, entityTimes: entityTimes)
            for output in table.outputs {
                guard !names.contains(output.name) else {
                    throw KiteError.invalidArgument(
                        "feature '\(output.name)' of view '\(table.name)' collides with another column; use full feature names (view__feature)")
                }
                let source = try table.frame.column(output.column)
                columns.append(try source.take(nullableIndices: match))
                fields.append(Field(output.name, source.type))
                names.append(output.name)
            }
        }
        return try DataFrame(schema: Schema(fields), columns: columns)
    }

    /// The timestamps of `column` in `frame` (null rows as `Int64.min`), checking its type.
    public static func timestamps(_ frame: DataFrame, _ column: String, what: String) throws -> [Int64] {
        guard let index = frame.schema.index(of: column) else {
            throw KiteError.invalidArgument("\(what) has no timestamp column '\(column)'; columns are: \(frame.schema.names.joined(separator: ", "))")
        }
        let data = frame.columns[index]
        guard data.type == .timestamp, case .int64(var values) = data.values else {
            throw KiteError.invalidArgument("column '\(column)' of \(what) is \(data.type), not a timestamp")
        }
        if let validity = data.validity {
            for i in values.indices where !validity[i] { values[i] = .min }
        }
        return values
    }

    /// Key columns of `frame`, with 32-bit integers widened so they match 64-bit keys of the other side.
    static func keyColumns(_ frame: DataFrame, _ keys: [String], what: String) throws -> [DataColumn] {
        try keys.map { key in
            guard let index = frame.schema.index(of: key) else {
                throw KiteError.invalidArgument("\(what) has no join key column '\(key)'; columns are: \(frame.schema.names.joined(separator: ", "))")
            }
            let column = frame.columns[index]
            switch (column.type, column.values) {
            case (.int32, .int32(let values)):
                return DataColumn(unchecked: .int64, .int64(values.map(Int64.init)), column.validity)
            case (.int64, _), (.string, _), (.binary, _), (.bool, _): return column
            default:
                throw KiteError.invalidArgument("join key '\(key)' of \(what) is \(column.type); keys must be integers, strings or booleans")
            }
        }
    }

    /// A row and the times it sorts by: event time, then created time, then position (later rows win ties).
    struct TimedRow: Comparable {
        var time: Int64
        var created: Int64
        var row: Int

        static func < (a: TimedRow, b: TimedRow) -> Bool {
            a.time != b.time ? a.time < b.time : (a.created != b.created ? a.created < b.created : a.row < b.row)
        }
    }

    /// Rows grouped by id: `rows[starts[g]..<starts[g + 1]]` are the rows of group g that pass `keep`.
    static func bucket(_ ids: [Int32], groups: Int, keep: (Int) -> Bool) -> (rows: [Int], starts: [Int]) {
        var starts = [Int](repeating: 0, count: groups + 1)
        for (row, id) in ids.enumerated() where id >= 0 && keep(row) { starts[Int(id) + 1] += 1 }
        for g in 0..<groups { starts[g + 1] += starts[g] }
        var fill = starts
        var rows = [Int](repeating: 0, count: starts[groups])
        for (row, id) in ids.enumerated() where id >= 0 && keep(row) {
            rows[fill[Int(id)]] = row
            fill[Int(id)] += 1
        }
        return (rows, starts)
    }
}
