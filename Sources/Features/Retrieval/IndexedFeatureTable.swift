import KiteCore

/// A feature view's rows indexed once for any number of point-in-time joins (a training set, or a batch job's
/// chunks of entity rows): keys numbered densely (`KeyIndex`), each key's rows sorted by event time, then created
/// time, then position.
public struct IndexedFeatureTable: Sendable {
    public let table: FeatureTable
    private let index: KeyIndex
    private let keyTypes: [DataType]
    /// The rows of key id g, in time order: `rows[starts[g]..<starts[g + 1]]`.
    private let rows: [PointInTimeJoin.TimedRow]
    private let starts: [Int]

    /// Indexes `table`, checking its key, time and feature columns.
    public init(_ table: FeatureTable) throws {
        let viewName = "feature view '\(table.name)'"
        let keys = try PointInTimeJoin.keyColumns(table.frame, table.joinKeys, what: viewName)
        let eventTimes = try PointInTimeJoin.timestamps(table.frame, table.eventTimestamp, what: viewName)
        let createdTimes = try table.createdTimestamp.map { try PointInTimeJoin.timestamps(table.frame, $0, what: viewName) }
        for output in table.outputs { _ = try table.frame.column(output.column) }
        var index = KeyIndex(capacity: table.frame.rowCount)
        let ids = index.ids(for: keys, insert: true)
        let order = PointInTimeJoin.bucket(ids, groups: index.count) { eventTimes[$0] != .min }
        var rows = order.rows.map { PointInTimeJoin.TimedRow(time: eventTimes[$0], created: createdTimes?[$0] ?? 0, row: $0) }
        rows.withUnsafeMutableBufferPointer { rows in
            for group in 0..<index.count { rows[order.starts[group]..<order.starts[group + 1]].sort() }
        }
        (self.table, self.index, self.keyTypes, self.rows, self.starts) = (table, index, keys.map(\.type), rows, order.starts)
    }

    /// For each entity row, the matching row of the table or -1: the latest row with the same key at or before the
    /// entity's time (and within the ttl).
    func matches(entities: DataFrame, entityTimes: [Int64]) async throws -> [Int] {
        let entityKeys = try PointInTimeJoin.keyColumns(entities, table.joinKeys, what: "the entity frame")
        for (key, (a, b)) in zip(table.joinKeys, zip(keyTypes, entityKeys.map(\.type))) where a != b {
            throw KiteError.invalidArgument("join key '\(key)' is \(b) in the entity frame but \(a) in feature view '\(table.name)'")
        }
        var index = self.index
        let entityIDs = index.ids(for: entityKeys, insert: false)
        let groups = index.count
        let entityOrder = PointInTimeJoin.bucket(entityIDs, groups: groups) { entityTimes[$0] != .min }
        let (rows, starts, ttl) = (self.rows, self.starts, table.ttl.microseconds)
        let partitions = Swift.max(1, Swift.min(groups, 64))
        let parts = try await Parallel.map(partitions) { part -> [(Int, Int)] in
            var found: [(Int, Int)] = []
            var entityRows: [PointInTimeJoin.TimedRow] = []
            for group in stride(from: part, to: groups, by: partitions) {
                let entityRange = entityOrder.starts[group]..<entityOrder.starts[group + 1]
                if entityRange.isEmpty { continue }
                entityRows.removeAll(keepingCapacity: true)
                for row in entityOrder.rows[entityRange] {
                    entityRows.append(PointInTimeJoin.TimedRow(time: entityTimes[row], created: 0, row: row))
                }
                entityRows.sort()
                var next = starts[group]
                let end = starts[group + 1]
                for entity in entityRows {
                    let t = entity.time
                    while next < end && rows[next].time <= t { next += 1 }
                    guard next > starts[group] else { continue }
                    let candidate = rows[next - 1]
                    if ttl > 0 && candidate.time < t &- ttl { continue }
                    found.append((entity.row, candidate.row))
                }
            }
            return found
        }
        var match = [Int](repeating: -1, count: entities.rowCount)
        for part in parts {
            for (entityRow, featureRow) in part { match[entityRow] = featureRow }
        }
        return match
    }
}
