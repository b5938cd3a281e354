import KiteCore

/// The point-in-time correct join behind training sets: for every entity row at time T, each view's row with the
/// same key whose event time is at most T and, when the view has a ttl, at least T − ttl; equal event times go to
/// the greatest created time, then to the later row. Every entity row comes out, in order, with nulls where
/// nothing matches; its other columns (labels) pass through.
///
/// Implementation: the entity rows are indexed (`EntityTimeline`: keys become dense ids, each key's rows sorted by
/// time), and each view row is offered to the entity rows it can match, so a view is never sorted or indexed and
/// can be streamed from its files (`OfflineViewJoin`). Memory is a few integers per entity row beyond the columns.
public enum PointInTimeJoin {
    /// Joins `tables` onto `entities`, whose time column is `timestamp`.
    public static func join(entities: DataFrame, timestamp: String, tables: [FeatureTable]) async throws -> DataFrame {
        let entityTimes = try timestamps(entities, timestamp, what: "the entity frame")
        var names = entities.schema.names
        var fields = entities.schema.fields
        var columns = entities.columns
        for table in tables {
            let match = try matches(table, entities: entities, entityTimes: entityTimes)
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

    /// For each entity row, the matching row of `table` or -1.
    private static func matches(_ table: FeatureTable, entities: DataFrame, entityTimes: [Int64]) throws -> [Int] {
        let viewName = "feature view '\(table.name)'"
        let keys = try keyColumns(table.frame, table.joinKeys, what: viewName)
        let eventTimes = try timestamps(table.frame, table.eventTimestamp, what: viewName)
        let createdTimes = try table.createdTimestamp.map { try timestamps(table.frame, $0, what: viewName) }
        for output in table.outputs { _ = try table.frame.column(output.column) }
        let entityKeys = try keyColumns(entities, table.joinKeys, what: "the entity frame")
        try checkKeyTypes(table.joinKeys, view: keys.map(\.type), entities: entityKeys.map(\.type), what: viewName)
        let timeline = EntityTimeline(keys: entityKeys, times: entityTimes)
        var offers = timeline.makeOffers()
        timeline.offer(keys: keys, times: eventTimes, created: createdTimes, firstRow: 0, to: &offers)
        return timeline.matches(offers, ttl: table.ttl.microseconds)
    }

    /// Refuses join keys typed differently on the two sides (after `keyColumns`' widening).
    static func checkKeyTypes(_ keys: [String], view: [DataType], entities: [DataType], what: String) throws {
        for (key, (viewType, entityType)) in zip(keys, zip(view, entities)) where viewType != entityType {
            throw KiteError.invalidArgument("join key '\(key)' is \(entityType) in the entity frame but \(viewType) in \(what)")
        }
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
