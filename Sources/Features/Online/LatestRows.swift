import KiteCore

/// The latest row per entity key seen so far (created time breaking ties between equal event times, then the
/// row's place in the source: the later row wins a full tie, as it would if written second).
///
/// Each frame is reduced in two passes: keys and times only, to find the rows that beat what is kept, then values
/// for those rows alone — so a source with many rows per key costs a hash lookup per row, not a row of values;
/// and a caller that reads a row group's keys and times first can skip its values when nothing in it wins.
struct LatestRows {
    struct Entry {
        var key: [Scalar]
        var event: Int64
        var created: Int64
        /// The row's place in the source (frames' ordinals, then rows): breaks full ties.
        var place: Int64
        var values: [Scalar]
    }

    /// A row of a frame that beats what is kept for its key.
    struct Winner {
        var position: Int
        var row: Int
        var event: Int64
        var created: Int64
    }

    /// Entry positions of single integer keys (the common case), and of the others by their scalars.
    private var integerPositions = IntegerTable()
    private var scalarPositions: [[Scalar]: Int] = [:]
    private(set) var entries: [Entry] = []
    private var framesAdded = 0

    /// Keeps the rows of `frame` that are latest for their keys so far (a frame added later wins full ties).
    mutating func add(_ frame: DataFrame, keys: [String], time: String, created: String?, features: [String], window: ClosedRange<Int64>) throws {
        defer { framesAdded += 1 }
        let winners = try self.winners(in: frame, ordinal: framesAdded, keys: keys, time: time, created: created, window: window)
        try keep(winners, ordinal: framesAdded, values: frame, features: features)
    }

    /// The rows of `frame` (which needs only the key and time columns) that beat what is kept for their keys, at
    /// most one per key. `ordinal` places the frame in the source (a later frame wins a full tie); keys seen for
    /// the first time are registered, so `keep` must follow with the same winners.
    mutating func winners(
        in frame: DataFrame, ordinal: Int, keys: [String], time: String, created: String?, window: ClosedRange<Int64>
    ) throws -> [Winner] {
        let times = try PointInTimeJoin.timestamps(frame, time, what: "the source")
        let keyColumns = try keys.map { try frame.column($0) }
        let createdTimes = try created.map { try PointInTimeJoin.timestamps(frame, $0, what: "the source") }
        let integers: [Int64]? =
            keyColumns.count == 1 && keyColumns[0].type != .timestamp
            ? (keyColumns[0].values.int64s ?? keyColumns[0].values.int32s?.map(Int64.init)) : nil
        var best: [Int] = []  // by entry position; -1 where the frame has no row for it
        var touched: [Int] = []
        let nullable = keyColumns.contains { $0.validity != nil }
        for row in 0..<frame.rowCount where window.contains(times[row]) {
            if nullable && keyColumns.contains(where: { $0.isNull(row) }) { continue }
            let position = integers.map { integerPosition($0[row]) } ?? scalarPosition(keyColumns, row)
            if position >= best.count { best += Array(repeating: -1, count: max(position + 1, best.count * 2) - best.count) }
            let current = best[position]
            if current < 0 {
                best[position] = row
                touched.append(position)
            } else if Self.isLater(row, than: current, times, createdTimes) {
                best[position] = row
            }
        }
        var winners: [Winner] = []
        for position in touched {
            let row = best[position]
            let (event, createdTime) = (times[row], createdTimes.map { $0[row] == .min ? 0 : $0[row] } ?? 0)
            let stored = entries[position]
            guard (event, createdTime, Self.place(ordinal, row)) > (stored.event, stored.created, stored.place) else { continue }
            winners.append(Winner(position: position, row: row, event: event, created: createdTime))
        }
        return winners
    }

    /// Keeps `winners` (from `winners(in:)` with the same `ordinal`), their values read from `values` — the
    /// `features` columns of the same rows.
    mutating func keep(_ winners: [Winner], ordinal: Int, values: DataFrame, features: [String]) throws {
        let columns = try features.map { try values.column($0) }
        for winner in winners {
            guard winner.row < values.rowCount else { throw KiteError(.corruptData, "the source's columns have different lengths") }
            entries[winner.position].event = winner.event
            entries[winner.position].created = winner.created
            entries[winner.position].place = Self.place(ordinal, winner.row)
            entries[winner.position].values = columns.map { $0.scalar(at: winner.row) }
        }
    }

    /// The entry of integer key `key`, registered when new.
    private mutating func integerPosition(_ key: Int64) -> Int {
        let position = integerPositions.position(of: key, next: entries.count)
        if position == entries.count { entries.append(Entry(key: [.int(key)], event: .min, created: .min, place: .min, values: [])) }
        return position
    }

    /// The entry of the key in row `row` of `columns`, registered when new.
    private mutating func scalarPosition(_ columns: [DataColumn], _ row: Int) -> Int {
        let key = columns.map { $0.scalar(at: row) }
        if let known = scalarPositions[key] { return known }
        scalarPositions[key] = entries.count
        entries.append(Entry(key: key, event: .min, created: .min, place: .min, values: []))
        return entries.count - 1
    }

    private static func place(_ ordinal: Int, _ row: Int) -> Int64 { Int64(ordinal) << 32 | Int64(row) }

    /// Whether `row` comes after `other` in one frame: a later event, or the same event created at the same time
    /// or later.
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

/// An open-addressing table from integer keys to dense positions: a source's rows each look their key up, and
/// `Dictionary`'s hashing of an enum key cost more than the rest of a row's work.
private struct IntegerTable {
    private var keys: [Int64] = Array(repeating: 0, count: 1024)
    private var positions: [Int32] = Array(repeating: -1, count: 1024)
    private var count = 0

    /// The position of `key`; `next` when it is new (and then recorded as such).
    mutating func position(of key: Int64, next: Int) -> Int {
        let mask = keys.count - 1
        var slot = Self.slot(key, mask)
        while positions[slot] >= 0 {
            if keys[slot] == key { return Int(positions[slot]) }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        positions[slot] = Int32(truncatingIfNeeded: next)
        count += 1
        if count * 2 > keys.count { grow() }
        return next
    }

    private static func slot(_ key: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 17) & mask
    }

    private mutating func grow() {
        let (oldKeys, oldPositions) = (keys, positions)
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        positions = Array(repeating: -1, count: oldKeys.count * 2)
        let mask = keys.count - 1
        for (key, position) in zip(oldKeys, oldPositions) where position >= 0 {
            var slot = Self.slot(key, mask)
            while positions[slot] >= 0 { slot = (slot + 1) & mask }
            (keys[slot], positions[slot]) = (key, position)
        }
    }
}
