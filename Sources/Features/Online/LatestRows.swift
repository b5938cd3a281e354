import KiteCore

/// The latest row per entity key seen so far (created time breaking ties between equal event times).
struct LatestRows {
    struct Entry {
        var key: [Scalar]
        var event: Int64
        var created: Int64
        var values: [Scalar]
    }

    private var index: [[Scalar]: Int] = [:]
    private(set) var entries: [Entry] = []

    mutating func add(_ frame: DataFrame, keys: [String], time: String, created: String?, features: [String], window: ClosedRange<Int64>) throws {
        let times = try PointInTimeJoin.timestamps(frame, time, what: "the source")
        let keyColumns = try keys.map { try frame.column($0) }
        let featureColumns = try features.map { try frame.column($0) }
        let createdTimes = try created.map { try PointInTimeJoin.timestamps(frame, $0, what: "the source") }
        for row in 0..<frame.rowCount where window.contains(times[row]) {
            if keyColumns.contains(where: { $0.isNull(row) }) { continue }
            let key = keyColumns.map { $0.scalar(at: row) }
            let event = times[row]
            let createdTime = createdTimes.map { $0[row] == .min ? 0 : $0[row] } ?? 0
            if let position = index[key] {
                let stored = entries[position]
                guard event > stored.event || (event == stored.event && createdTime >= stored.created) else { continue }
                entries[position] = Entry(key: key, event: event, created: createdTime, values: featureColumns.map { $0.scalar(at: row) })
            } else {
                index[key] = entries.count
                entries.append(Entry(key: key, event: event, created: createdTime, values: featureColumns.map { $0.scalar(at: row) }))
            }
        }
    }
}

extension LatestRows {
    /// The winners as online-store rows of `view`'s features, `keys` naming the join keys.
    func onlineRows(keys: [String], features: [String]) throws -> [(key: EntityKey, values: OnlineValues)] {
        try entries.map { entry in
            (
                try EntityKey(names: keys, values: entry.key),
                OnlineValues(names: features, values: entry.values, eventTime: entry.event, createdTime: entry.created)
            )
        }
    }
}
