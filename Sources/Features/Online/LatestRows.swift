import KiteCore

/// The latest row per entity key seen so far (created time breaking ties between equal event times).
///
/// Each frame is reduced in two passes: integers only to find each key's best row in the frame, then values are
/// read for the keys whose best row beats what is kept — so a source with many rows per key costs a hash lookup
/// per row, not a row of values.
struct LatestRows {
    struct Entry {
        var key: [Scalar]
        var event: Int64
        var created: Int64
        var values: [Scalar]
    }

    /// A key as hashed: one integer (the common case), or the scalars of a compound or text key.
    private enum Key: Hashable {
        case integer(Int64)
        case scalars([Scalar])
    }

    private var index: [Key: Int] = [:]
    private(set) var entries: [Entry] = []

    mutating func add(_ frame: DataFrame, keys: [String], time: String, created: String?, features: [String], window: ClosedRange<Int64>) throws {
        let times = try PointInTimeJoin.timestamps(frame, time, what: "the source")
        let keyColumns = try keys.map { try frame.column($0) }
        let featureColumns = try features.map { try frame.column($0) }
        let createdTimes = try created.map { try PointInTimeJoin.timestamps(frame, $0, what: "the source") }
        let integers: [Int64]? =
            keyColumns.count == 1 && keyColumns[0].type != .timestamp
            ? (keyColumns[0].values.int64s ?? keyColumns[0].values.int32s?.map(Int64.init)) : nil
        // Pass 1: each key's best row in this frame.
        var best: [Int] = []  // by entry position; -1 where the frame has no row for it
        var touched: [Int] = []
        for row in 0..<frame.rowCount where window.contains(times[row]) {
            if keyColumns.contains(where: { $0.isNull(row) }) { continue }
            let key: Key = integers.map { .integer($0[row]) } ?? .scalars(keyColumns.map { $0.scalar(at: row) })
            let position: Int
            if let known = index[key] {
                position = known
            } else {
                position = entries.count
                index[key] = position
                entries.append(Entry(key: keyColumns.map { $0.scalar(at: row) }, event: .min, created: .min, values: []))
            }
            if position >= best.count { best += Array(repeating: -1, count: position + 1 - best.count) }
            let current = best[position]
            if current < 0 {
                best[position] = row
                touched.append(position)
            } else if Self.isLater(row, than: current, times, createdTimes) {
                best[position] = row
            }
        }
        // Pass 2: values for the keys whose best row here beats the one kept.
        for position in touched {
            let row = best[position]
            let event = times[row]
            let createdTime = createdTimes.map { $0[row] == .min ? 0 : $0[row] } ?? 0
            let stored = entries[position]
            guard event > stored.event || (event == stored.event && createdTime >= stored.created) else { continue }
            entries[position].event = event
            entries[position].created = createdTime
            entries[position].values = featureColumns.map { $0.scalar(at: row) }
        }
    }

    /// Whether `row` comes after `other`: a later event, or the same event created at the same time or later (the
    /// later row of the file wins a full tie, as it would if written second).
    private static func isLater(_ row: Int, than other: Int, _ times: [Int64], _ created: [Int64]?) -> Bool {
        if times[row] != times[other] { return times[row] > times[other] }
        guard let created else { return true }
        return (created[row] == .min ? 0 : created[row]) >= (created[other] == .min ? 0 : created[other])
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
