import KiteCore

/// Groups the rows of one or more frames by the values of their key columns (a single or compound join key),
/// giving every distinct key a dense id. Rows are hashed column by column, so no per-row key object is built.
struct KeyIndex: Sendable {
    /// The key columns of every frame added, in the order of `keys`.
    private var frames: [[DataColumn]] = []
    /// For each group id, a representative (frame, row) used for equality checks.
    private var representatives: [(frame: Int, row: Int)] = []
    private var table: [Int32]
    private var mask: Int
    private var hashes: [UInt64] = []
    /// Each group's key while every key added is one `Int64` column (the common case), compared without going
    /// through the columns; `integerKeys` is nil once another kind of key has been added.
    private var integerKeys: [Int64]? = []

    init(capacity: Int) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of distinct keys seen so far.
    var count: Int { representatives.count }

    /// Assigns group ids to every row of `columns` (the key columns of one frame). With `insert` false, rows whose
    /// key was never seen get -1, and rows with a null key part always get -1.
    mutating func ids(for columns: [DataColumn], insert: Bool) -> [Int32] {
        let frame = frames.count
        frames.append(columns)
        let rows = columns.first?.count ?? 0
        var ids = [Int32](repeating: -1, count: rows)
        let rowHashes = Self.hash(columns)
        let nullable = columns.compactMap(\.validity)
        let integers = columns.count == 1 ? columns[0].values.int64s : nil
        if integers == nil { integerKeys = nil }
        for row in 0..<rows {
            if !nullable.isEmpty && nullable.contains(where: { !$0[row] }) { continue }
            let h = rowHashes[row]
            var slot = Int(truncatingIfNeeded: h >> 7) & mask
            while true {
                let entry = table[slot]
                if entry < 0 {
                    guard insert else { break }
                    let id = Int32(representatives.count)
                    representatives.append((frame, row))
                    hashes.append(h)
                    if let integers { integerKeys?.append(integers[row]) }
                    table[slot] = id
                    ids[row] = id
                    if representatives.count * 2 > table.count { grow() }
                    break
                }
                if hashes[Int(entry)] == h, Self.same(integers, row, integerKeys, Int(entry)) ?? equal(frame, row, representatives[Int(entry)]) {
                    ids[row] = entry
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        return ids
    }

    private mutating func grow() {
        table = [Int32](repeating: -1, count: table.count * 2)
        mask = table.count - 1
        for (id, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h >> 7) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(id)
        }
    }

    /// Whether row `row` of a single `Int64` key column has group `id`'s key; nil when either side is not such a key.
    @inline(__always)
    private static func same(_ integers: [Int64]?, _ row: Int, _ keys: [Int64]?, _ id: Int) -> Bool? {
        guard let integers, let keys else { return nil }
        return integers[row] == keys[id]
    }

    private func equal(_ frameA: Int, _ rowA: Int, _ representative: (frame: Int, row: Int)) -> Bool {
        let (frameB, rowB) = representative
        for (a, b) in zip(frames[frameA], frames[frameB]) {
            switch (a.values, b.values) {
            case (.int64(let x), .int64(let y)): if x[rowA] != y[rowB] { return false }
            case (.int32(let x), .int32(let y)): if x[rowA] != y[rowB] { return false }
            case (.bool(let x), .bool(let y)): if x[rowA] != y[rowB] { return false }
            case (.float64(let x), .float64(let y)): if x[rowA].bitPattern != y[rowB].bitPattern { return false }
            case (.float32(let x), .float32(let y)): if x[rowA].bitPattern != y[rowB].bitPattern { return false }
            case (.bytes(let xo, let xd), .bytes(let yo, let yd)):
                if !xd[xo[rowA]..<xo[rowA + 1]].elementsEqual(yd[yo[rowB]..<yo[rowB + 1]]) { return false }
            default: return false
            }
        }
        return true
    }

    /// A 64-bit hash per row over all key columns.
    static func hash(_ columns: [DataColumn]) -> [UInt64] {
        let rows = columns.first?.count ?? 0
        var hashes = [UInt64](repeating: 0x9E37_79B9_7F4A_7C15, count: rows)
        for column in columns {
            switch column.values {
            case .int64(let a): for i in 0..<rows { hashes[i] = mix(hashes[i] ^ UInt64(bitPattern: a[i])) }
            case .int32(let a): for i in 0..<rows { hashes[i] = mix(hashes[i] ^ UInt64(UInt32(bitPattern: a[i]))) }
            case .bool(let a): for i in 0..<rows { hashes[i] = mix(hashes[i] ^ (a[i] ? 1 : 2)) }
            case .float64(let a): for i in 0..<rows { hashes[i] = mix(hashes[i] ^ a[i].bitPattern) }
            case .float32(let a): for i in 0..<rows { hashes[i] = mix(hashes[i] ^ UInt64(a[i].bitPattern)) }
            case .bytes(let offsets, let data):
                data.withUnsafeBytes { raw in
                    for i in 0..<rows {
                        hashes[i] = FastHash.bytes(raw, offsets[i], offsets[i + 1] - offsets[i], seed: hashes[i])
                    }
                }
            }
        }
        return hashes
    }

    @inline(__always)
    static func mix(_ key: UInt64) -> UInt64 { FastHash.mix(key) }
}
