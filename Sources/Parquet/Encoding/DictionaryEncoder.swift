import KiteCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds a dictionary of distinct values and the index of each value in it, giving up (nil) as soon as the
/// dictionary's plain-encoded size passes a limit — or once the first `sample` values are nearly all distinct
/// (ids, times, scores), where a dictionary would be as large as the values and cost a lookup per value to write
/// and to read.
enum DictionaryEncoder {
    /// How many values are looked at before judging whether a dictionary can pay off.
    static let sample = 4096

    /// Whether `distinct` values among the first `seen` say the column is (nearly) unique: more than 90% distinct
    /// once `sample` values are seen.
    @inline(__always)
    static func nearlyUnique(seen: Int, distinct: Int) -> Bool { seen == sample && distinct * 10 > sample * 9 }

    /// Dictionary-encodes fixed-width values by bit pattern.
    static func encode<T>(
        _ values: [T], limitBytes: Int, bits: (T) -> UInt64
    ) -> (dictionary: [T], indices: [UInt32])? {
        let maxEntries = Swift.max(1, limitBytes / MemoryLayout<T>.size)
        var table = OpenTable(capacity: 1024)
        var keys: [UInt64] = []
        var dictionary: [T] = []
        var indices = [UInt32](repeating: 0, count: values.count)
        for (i, value) in values.enumerated() {
            let key = bits(value)
            var slot = table.slot(for: Self.mix(key))
            while true {
                let entry = table.entries[slot]
                if entry == 0 {
                    guard dictionary.count < maxEntries else { return nil }
                    dictionary.append(value)
                    keys.append(key)
                    table.entries[slot] = UInt32(dictionary.count)
                    indices[i] = UInt32(dictionary.count - 1)
                    if dictionary.count * 2 > table.entries.count {
                        table = OpenTable(capacity: table.entries.count * 2)
                        for (k, existing) in keys.enumerated() { table.insert(Self.mix(existing), UInt32(k + 1)) }
                    }
                    break
                }
                if keys[Int(entry) - 1] == key {
                    indices[i] = entry - 1
                    break
                }
                slot = (slot + 1) & table.mask
            }
            if nearlyUnique(seen: i + 1, distinct: dictionary.count) { return nil }
        }
        return (dictionary, indices)
    }

    /// Dictionary-encodes byte strings (`offsets` into `data`).
    static func encodeBytes(
        offsets: [Int], data: [UInt8], limitBytes: Int
    ) -> (offsets: [Int], data: [UInt8], indices: [UInt32])? {
        let count = offsets.count - 1
        var table = OpenTable(capacity: 1024)
        var hashes: [UInt64] = []
        var starts: [Int] = []  // offset of each dictionary entry's first occurrence in `data`
        var lengths: [Int] = []
        var encodedSize = 0
        var indices = [UInt32](repeating: 0, count: count)
        return data.withUnsafeBytes { raw -> (offsets: [Int], data: [UInt8], indices: [UInt32])? in
            for i in 0..<count {
                let start = offsets[i]
                let length = offsets[i + 1] - start
                let h = hash(raw, start, length)
                var slot = table.slot(for: h)
                while true {
                    let entry = table.entries[slot]
                    if entry == 0 {
                        encodedSize += 4 + length
                        guard encodedSize <= limitBytes else { return nil }
                        hashes.append(h)
                        starts.append(start)
                        lengths.append(length)
                        table.entries[slot] = UInt32(starts.count)
                        indices[i] = UInt32(starts.count - 1)
                        if starts.count * 2 > table.entries.count {
                            table = OpenTable(capacity: table.entries.count * 2)
                            for (k, existing) in hashes.enumerated() { table.insert(existing, UInt32(k + 1)) }
                        }
                        break
                    }
                    let e = Int(entry) - 1
                    if hashes[e] == h, lengths[e] == length,
                        length == 0 || memcmp(raw.baseAddress! + starts[e], raw.baseAddress! + start, length) == 0
                    {
                        indices[i] = UInt32(e)
                        break
                    }
                    slot = (slot + 1) & table.mask
                }
                if nearlyUnique(seen: i + 1, distinct: starts.count) { return nil }
            }
            var dictionaryOffsets = [0]
            var dictionaryData: [UInt8] = []
            for (start, length) in zip(starts, lengths) {
                dictionaryData.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
                dictionaryOffsets.append(dictionaryData.count)
            }
            return (dictionaryOffsets, dictionaryData, indices)
        }
    }

    @inline(__always)
    static func mix(_ key: UInt64) -> UInt64 { FastHash.mix(key) }

    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> UInt64 {
        FastHash.bytes(raw, start, length, seed: 0xCBF2_9CE4_8422_2325)
    }

    /// Open addressing from a hash to a 1-based entry number (0 is empty).
    private struct OpenTable {
        var entries: [UInt32]
        let mask: Int

        init(capacity: Int) {
            entries = [UInt32](repeating: 0, count: capacity)
            mask = capacity - 1
        }

        @inline(__always)
        func slot(for hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 20) & mask }

        mutating func insert(_ hash: UInt64, _ entry: UInt32) {
            var slot = self.slot(for: hash)
            while entries[slot] != 0 { slot = (slot + 1) & mask }
            entries[slot] = entry
        }
    }
}
