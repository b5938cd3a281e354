/// Numbers distinct byte strings densely (0, 1, 2, … in order of first appearance), keeping one copy of each:
/// an open-addressing table over `FastHash`, so counting the distinct values of a text column makes no `String`
/// per row.
///
/// Built for columns of millions of short keys (ids), where the cost is cache misses: a slot holds a key of up to
/// 8 bytes itself, so finding one reads one cache line; and `ids(_:offsets:rows:)` prefetches a batch's slots
/// before resolving them, so the misses overlap.
public struct TextInterner: Sendable {
    /// A slot: the id (-1 when empty), the key's length (`UInt16.max` for longer keys), 16 bits of its hash, and a
    /// key of up to 8 bytes inline.
    private struct Slot {
        var id: Int32 = -1
        var length: UInt16 = 0
        var tag: UInt16 = 0
        var inline: UInt64 = 0
    }

    private var bytes: [UInt8] = []
    /// Entry i's bytes are `bytes[offsets[i]..<offsets[i + 1]]`.
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var table: [Slot]
    private var mask: Int
    private static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15
    private static let batch = 32

    public init(capacity: Int = 1024) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        table = Array(repeating: Slot(), count: size)
        mask = size - 1
    }

    /// The number of distinct strings seen.
    public var count: Int { hashes.count }

    /// The ids of the strings at `rows` of a text column (`raw[offsets[row]..<offsets[row + 1]]`), each added if new.
    public mutating func ids(_ raw: UnsafeRawBufferPointer, offsets rowOffsets: [Int], rows: [Int]) -> [Int32] {
        ids(rows.count, raw) { i in
            let (start, end) = (rowOffsets[rows[i]], rowOffsets[rows[i] + 1])
            return (start, end - start, FastHash.bytes(raw, start, end - start, seed: Self.seed))
        }
    }

    /// The ids of `other`'s strings in its id order, each added if new.
    public mutating func ids(of other: TextInterner) -> [Int32] {
        other.bytes.withUnsafeBytes { raw in
            ids(other.count, raw) { i in (other.offsets[i], other.offsets[i + 1] - other.offsets[i], other.hashes[i]) }
        }
    }

    /// The ids of `count` keys, key i being `raw[start..<start + length]` with `hash` as `key(i)` gives them;
    /// each added if new. A batch's first slots are prefetched before any is resolved, so the cache misses
    /// overlap instead of queueing (loads would hold up the work between them).
    private mutating func ids(_ count: Int, _ raw: UnsafeRawBufferPointer, key: (Int) -> (start: Int, length: Int, hash: UInt64)) -> [Int32] {
        var result = [Int32](repeating: 0, count: count)
        var keys = [(start: Int, length: Int, hash: UInt64)](repeating: (0, 0, 0), count: Self.batch)
        var start = 0
        while start < count {
            let end = Swift.min(start + Self.batch, count)
            table.withUnsafeBufferPointer { table in
                for i in start..<end {
                    keys[i - start] = key(i)
                    table.prefetch(Int(truncatingIfNeeded: keys[i - start].hash >> 7) & mask)
                }
            }
            for i in start..<end {
                let key = keys[i - start]
                result[i] = id(raw, start: key.start, length: key.length, hash: key.hash)
            }
            start = end
        }
        return result
    }

    /// The ids here of `other`'s strings, in its id order; -1 for those never seen here (nothing is added). Each
    /// string's slot is prefetched a batch ahead (the hashes are known).
    public func existingIDs(of other: TextInterner) -> [Int32] {
        other.bytes.withUnsafeBytes { raw in
            table.withUnsafeBufferPointer { table in
                (0..<other.count).map { i in
                    if i + Self.batch < other.count { table.prefetch(Int(truncatingIfNeeded: other.hashes[i + Self.batch] >> 7) & mask) }
                    return probe(raw, start: other.offsets[i], length: other.offsets[i + 1] - other.offsets[i], hash: other.hashes[i]).found ?? -1
                }
            }
        }
    }

    /// The string with id `id`.
    public func text(_ id: Int32) -> String {
        let range = offsets[Int(id)]..<offsets[Int(id) + 1]
        return String(decoding: bytes[range], as: UTF8.self)
    }

    private mutating func id(_ raw: UnsafeRawBufferPointer, start: Int, length: Int, hash: UInt64) -> Int32 {
        let (slot, found) = probe(raw, start: start, length: length, hash: hash)
        if let found { return found }
        let id = Int32(hashes.count)
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<start + length]))
        offsets.append(bytes.count)
        hashes.append(hash)
        table[slot] = Self.slot(id: id, raw: raw, start: start, length: length, hash: hash)
        if hashes.count * 2 > table.count { grow() }
        return id
    }

    /// The slot holding the key, or the empty slot where it would go.
    private func probe(_ raw: UnsafeRawBufferPointer, start: Int, length: Int, hash: UInt64) -> (slot: Int, found: Int32?) {
        let wanted = Self.slot(id: 0, raw: raw, start: start, length: length, hash: hash)
        var slot = Int(truncatingIfNeeded: hash >> 7) & mask
        while true {
            let entry = table[slot]
            if entry.id < 0 { return (slot, nil) }
            if entry.tag == wanted.tag, entry.length == wanted.length, entry.inline == wanted.inline {
                if length <= 8 { return (slot, entry.id) }
                let id = Int(entry.id)
                if hashes[id] == hash, offsets[id + 1] - offsets[id] == length,
                    bytes.withUnsafeBytes({ stored in (0..<length).allSatisfy { stored[offsets[id] + $0] == raw[start + $0] } })
                {
                    return (slot, entry.id)
                }
            }
            slot = (slot + 1) & mask
        }
    }

    private static func slot(id: Int32, raw: UnsafeRawBufferPointer, start: Int, length: Int, hash: UInt64) -> Slot {
        Slot(id: id, length: length <= 8 ? UInt16(length) : .max, tag: UInt16(truncatingIfNeeded: hash >> 48), inline: FastHash.word(raw, start, length))
    }

    private mutating func grow() {
        let old = table
        // Four times as many slots while the table is under 1M slots (16 MiB): a scan numbering a million keys
        // from a small start rehashes twice instead of four times; past that, twice as many (less to overshoot).
        table = Array(repeating: Slot(), count: old.count * (old.count < 1 << 20 ? 4 : 2))
        mask = table.count - 1
        for entry in old where entry.id >= 0 {
            var slot = Int(truncatingIfNeeded: hashes[Int(entry.id)] >> 7) & mask
            while table[slot].id >= 0 { slot = (slot + 1) & mask }
            table[slot] = entry
        }
    }
}
