import KiteCore

/// The entity rows of a point-in-time join, indexed so that a view's rows can be matched against them as they
/// stream by: keys numbered densely (`KeyIndex`), each key's entity rows sorted by time into consecutive slots.
///
/// A view's row with key k at time t can be the match only of entity rows of k at or after t. It is offered to the
/// first such slot, each slot keeps the latest row offered to it (`Offers`), and an entity row's match is the
/// latest offer among its key's slots up to its own. So the view's rows are never held, sorted or indexed — only
/// the entity rows are — and the view can be read one row group at a time, on several cores (`Offers.merge`).
struct EntityTimeline: Sendable {
    /// The latest view row offered to each slot so far: its event time, created time and place in the view.
    struct Offers: Sendable {
        fileprivate var rows: [PointInTimeJoin.TimedRow]

        /// Keeps, slot by slot, the later of the two offers.
        mutating func merge(_ other: Offers) {
            for slot in rows.indices where rows[slot] < other.rows[slot] { rows[slot] = other.rows[slot] }
        }
    }

    /// The entity key columns' types (32-bit integers widened), which the view's must equal.
    let keyTypes: [DataType]
    private let entityCount: Int
    private let index: KeyIndex
    /// Slot s holds entity row `slotRows[s]` at `slotTimes[s]`; key id g's slots are `starts[g]..<starts[g + 1]`.
    private let slotTimes: [Int64]
    private let slotRows: [Int]
    private let starts: [Int]
    /// Single 64-bit integer keys (the common case) map to their key id through this table, one probe per row.
    private let integerKeys: IntegerKeyTable?

    /// Indexes entity rows by `keys` (from `PointInTimeJoin.keyColumns`) and `times` (`Int64.min` for a null time:
    /// such rows match nothing, as do rows with a null key part).
    init(keys: [DataColumn], times: [Int64]) {
        var index = KeyIndex(capacity: times.count)
        let ids = index.ids(for: keys, insert: true)
        let order = PointInTimeJoin.bucket(ids, groups: index.count) { times[$0] != .min }
        var slots = order.rows.map { PointInTimeJoin.TimedRow(time: times[$0], created: 0, row: $0) }
        slots.withUnsafeMutableBufferPointer { slots in
            for group in 0..<index.count { slots[order.starts[group]..<order.starts[group + 1]].sort() }
        }
        (entityCount, self.index, starts) = (times.count, index, order.starts)
        (slotTimes, slotRows) = (slots.map(\.time), slots.map(\.row))
        keyTypes = keys.map(\.type)
        if keys.count == 1, keys[0].type == .int64, let values = keys[0].values.int64s {
            var table = IntegerKeyTable(capacity: index.count)
            for group in 0..<index.count where order.starts[group] < order.starts[group + 1] {
                table.insert(values[order.rows[order.starts[group]]], id: Int32(group))
            }
            integerKeys = table
        } else {
            integerKeys = nil
        }
    }

    /// No offers yet.
    func makeOffers() -> Offers {
        Offers(rows: Array(repeating: PointInTimeJoin.TimedRow(time: .min, created: .min, row: -1), count: slotTimes.count))
    }

    /// Offers rows of a view — its `keys` (from `PointInTimeJoin.keyColumns`), event `times` and `created` times,
    /// the first of them at place `firstRow` in the view — each to the first slot of its key at or after its time.
    /// Rows with a null time or key part are not offered.
    func offer(keys: [DataColumn], times: [Int64], created: [Int64]?, firstRow: Int, to offers: inout Offers) {
        let ids: [Int32]
        if let table = integerKeys, keys.count == 1, keys[0].validity == nil, let values = keys[0].values.int64s {
            ids = values.map(table.id(of:))
        } else {
            var index = self.index
            ids = index.ids(for: keys, insert: false)
        }
        slotTimes.withUnsafeBufferPointer { slotTimes in
            starts.withUnsafeBufferPointer { starts in
                offers.rows.withUnsafeMutableBufferPointer { best in
                    for row in 0..<times.count {
                        let time = times[row]
                        guard time != .min else { continue }
                        let id = ids[row]
                        guard id >= 0 else { continue }
                        // The first slot of the key at or after `time`.
                        var low = starts[Int(id)]
                        var high = starts[Int(id) + 1]
                        while low < high {
                            let middle = (low + high) >> 1
                            if slotTimes[middle] < time { low = middle + 1 } else { high = middle }
                        }
                        guard low < starts[Int(id) + 1] else { continue }
                        let candidate = PointInTimeJoin.TimedRow(time: time, created: created?[row] ?? 0, row: firstRow + row)
                        if best[low] < candidate { best[low] = candidate }
                    }
                }
            }
        }
    }

    /// For each entity row, the place in the view of its match, or -1: the latest row offered to its key's slots
    /// up to its own, unless older than `ttl` microseconds (0: no limit) before the entity row's time.
    func matches(_ offers: Offers, ttl: Int64) -> [Int] {
        var match = [Int](repeating: -1, count: entityCount)
        for group in 0..<(starts.count - 1) {
            var latest = PointInTimeJoin.TimedRow(time: .min, created: .min, row: -1)
            for slot in starts[group]..<starts[group + 1] {
                if latest < offers.rows[slot] { latest = offers.rows[slot] }
                if latest.row >= 0 && (ttl <= 0 || latest.time >= slotTimes[slot] &- ttl) { match[slotRows[slot]] = latest.row }
            }
        }
        return match
    }
}

/// An open-addressing table from 64-bit integer keys to key ids, keys and ids side by side so a lookup touches
/// one cache line.
private struct IntegerKeyTable: Sendable {
    private var entries: [(key: Int64, id: Int32)]
    private let mask: Int

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        entries = Array(repeating: (0, -1), count: size)
        mask = size - 1
    }

    mutating func insert(_ key: Int64, id: Int32) {
        var slot = Self.slot(key, mask)
        while entries[slot].id >= 0 { slot = (slot + 1) & mask }
        entries[slot] = (key, id)
    }

    /// The id of `key`, or -1.
    @inline(__always)
    func id(of key: Int64) -> Int32 {
        var slot = Self.slot(key, mask)
        while true {
            let entry = entries[slot]
            if entry.id < 0 || entry.key == key { return entry.id }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func slot(_ key: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 17) & mask
    }
}
