import KiteCore

/// The entity rows of a point-in-time join, indexed so that a view's rows can be matched against them as they
/// stream by: keys numbered densely (`KeyIndex`), each key's entity rows sorted by time into consecutive slots.
///
/// A view's row with key k at time t can be the match only of entity rows of k at or after t. It is offered to the
/// first such slot, each slot keeps the latest row offered to it (`Offers`), and an entity row's match is the
/// latest offer among its key's slots up to its own. So the view's rows are never held, sorted or indexed — only
/// the entity rows are — and the view can be read one row group at a time, on several cores (`Offers.merge`).
///
/// Offering is a few memory lookups per view row, the join's main cost on large views: a single integer key finds
/// its slots in one probe (`IntegerKeyTable` holds each key's slot range), and a slot's entity time sits beside its
/// offer, so the search and the update share cache lines.
struct EntityTimeline: Sendable {
    /// Each slot's entity time and the latest view row offered to it so far (its event time, created time and
    /// place in the view; place -1 for none).
    struct Offers: Sendable {
        fileprivate struct Slot {
            var entityTime: Int64
            var offer: PointInTimeJoin.TimedRow
        }

        fileprivate var slots: [Slot]

        /// Keeps, slot by slot, the later of the two offers.
        mutating func merge(_ other: Offers) {
            for slot in slots.indices where slots[slot].offer < other.slots[slot].offer { slots[slot].offer = other.slots[slot].offer }
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
    /// Single 64-bit integer keys (the common case) map to their slot ranges through this table.
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
                table.insert(values[order.rows[order.starts[group]]], slots: order.starts[group]..<order.starts[group + 1])
            }
            integerKeys = table
        } else {
            integerKeys = nil
        }
    }

    /// No offers yet.
    func makeOffers() -> Offers {
        let none = PointInTimeJoin.TimedRow(time: .min, created: .min, row: -1)
        return Offers(slots: slotTimes.map { Offers.Slot(entityTime: $0, offer: none) })
    }

    /// Offers rows of a view — its `keys` (from `PointInTimeJoin.keyColumns`), event `times` and `created` times,
    /// the first of them at place `firstRow` in the view — each to the first slot of its key at or after its time.
    /// Rows with a null time or key part are not offered.
    func offer(keys: [DataColumn], times: [Int64], created: [Int64]?, firstRow: Int, to offers: inout Offers) {
        // Each row's slots as `start << 32 | end` (equal when the key has none).
        let ranges: [UInt64]
        if let table = integerKeys, keys.count == 1, keys[0].validity == nil, let values = keys[0].values.int64s {
            ranges = table.slots(of: values)
        } else {
            var index = self.index
            ranges = index.ids(for: keys, insert: false).map { id in
                id < 0 ? 0 : UInt64(starts[Int(id)]) << 32 | UInt64(starts[Int(id) + 1])
            }
        }
        offers.slots.withUnsafeMutableBufferPointer { slots in
            for row in 0..<times.count {
                if row + Self.ahead < times.count { slots.prefetch(Int(truncatingIfNeeded: ranges[row + Self.ahead] >> 32)) }
                let time = times[row]
                var low = Int(truncatingIfNeeded: ranges[row] >> 32)
                var count = Int(truncatingIfNeeded: ranges[row] & 0xFFFF_FFFF) - low
                guard count > 0, time != .min else { continue }
                let end = low + count
                // The first slot of the key at or after `time`, without branches to mispredict.
                while count > 0 {
                    let half = count >> 1
                    let later = slots[low + half].entityTime < time
                    low = later ? low + half + 1 : low
                    count = later ? count - half - 1 : half
                }
                guard low < end else { continue }
                let candidate = PointInTimeJoin.TimedRow(time: time, created: created?[row] ?? 0, row: firstRow + row)
                if slots[low].offer < candidate { slots[low].offer = candidate }
            }
        }
    }

    /// How many rows ahead a lookup's cache line is prefetched, so that the misses of successive rows overlap.
    fileprivate static let ahead = 16

    /// For each entity row, the place in the view of its match, or -1: the latest row offered to its key's slots
    /// up to its own, unless older than `ttl` microseconds (0: no limit) before the entity row's time.
    func matches(_ offers: Offers, ttl: Int64) -> [Int] {
        var match = [Int](repeating: -1, count: entityCount)
        for group in 0..<(starts.count - 1) {
            var latest = PointInTimeJoin.TimedRow(time: .min, created: .min, row: -1)
            for slot in starts[group]..<starts[group + 1] {
                if latest < offers.slots[slot].offer { latest = offers.slots[slot].offer }
                if latest.row >= 0 && (ttl <= 0 || latest.time >= slotTimes[slot] &- ttl) { match[slotRows[slot]] = latest.row }
            }
        }
        return match
    }
}

/// An open-addressing table from 64-bit integer keys to their slot ranges, key and range side by side so a
/// lookup touches one cache line.
private struct IntegerKeyTable: Sendable {
    private var keys: [(key: Int64, slots: UInt64)]
    private let mask: Int

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: (0, 0), count: size)
        mask = size - 1
    }

    /// Records `key`'s slots, a non-empty range.
    mutating func insert(_ key: Int64, slots: Range<Int>) {
        var slot = Self.slot(key, mask)
        while keys[slot].slots != 0 { slot = (slot + 1) & mask }
        keys[slot] = (key, UInt64(slots.lowerBound) << 32 | UInt64(slots.upperBound))
    }

    /// Each key's slots as `start << 32 | end`, or 0 when it has none.
    func slots(of keys: [Int64]) -> [UInt64] {
        keys.withUnsafeBufferPointer { keys in
            self.keys.withUnsafeBufferPointer { table in
                (0..<keys.count).map { row in
                    if row + EntityTimeline.ahead < keys.count { table.prefetch(Self.slot(keys[row + EntityTimeline.ahead], mask)) }
                    return slots(of: keys[row])
                }
            }
        }
    }

    /// `key`'s slots as `start << 32 | end`, or 0 when it has none.
    @inline(__always)
    private func slots(of key: Int64) -> UInt64 {
        var slot = Self.slot(key, mask)
        while true {
            let entry = keys[slot]
            if entry.slots == 0 || entry.key == key { return entry.slots }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func slot(_ key: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> 17) & mask
    }
}
