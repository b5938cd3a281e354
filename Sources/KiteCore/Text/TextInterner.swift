/// Numbers distinct byte strings densely (0, 1, 2, … in order of first appearance), keeping one copy of each:
/// an open-addressing table over `FastHash`, so counting the distinct values of a text column makes no `String`
/// per row.
public struct TextInterner: Sendable {
    private var bytes: [UInt8] = []
    /// Entry i's bytes are `bytes[offsets[i]..<offsets[i + 1]]`.
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var table: [Int32]
    private var mask: Int

    public init(capacity: Int = 1024) {
        var size = 1024
        while size < capacity * 2 { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of distinct strings seen.
    public var count: Int { hashes.count }

    /// The id of `key` (`raw[start..<start + length]`), added if new.
    public mutating func id(_ raw: UnsafeRawBufferPointer, start: Int, length: Int) -> Int32 {
        let hash = FastHash.bytes(raw, start, length, seed: Self.seed)
        let (slot, found) = probe(raw, start: start, length: length, hash: hash)
        if let found { return found }
        let id = Int32(hashes.count)
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<start + length]))
        offsets.append(bytes.count)
        hashes.append(hash)
        table[slot] = id
        if hashes.count * 2 > table.count { grow() }
        return id
    }

    /// The id of `text`, if seen.
    public func existingID(of text: String) -> Int32? {
        var text = text
        return text.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            return probe(raw, start: 0, length: raw.count, hash: FastHash.bytes(raw, 0, raw.count, seed: Self.seed)).found
        }
    }

    private static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The slot holding the key, or the empty slot where it would go.
    private func probe(_ raw: UnsafeRawBufferPointer, start: Int, length: Int, hash: UInt64) -> (slot: Int, found: Int32?) {
        var slot = Int(truncatingIfNeeded: hash >> 7) & mask
        while true {
            let entry = table[slot]
            if entry < 0 { return (slot, nil) }
            let id = Int(entry)
            if hashes[id] == hash, offsets[id + 1] - offsets[id] == length,
                bytes.withUnsafeBytes({ stored in (0..<length).allSatisfy { stored[offsets[id] + $0] == raw[start + $0] } })
            {
                return (slot, entry)
            }
            slot = (slot + 1) & mask
        }
    }

    /// The string with id `id`.
    public func text(_ id: Int32) -> String {
        let range = offsets[Int(id)]..<offsets[Int(id) + 1]
        return String(decoding: bytes[range], as: UTF8.self)
    }

    private mutating func grow() {
        table = [Int32](repeating: -1, count: table.count * 2)
        mask = table.count - 1
        for (id, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash >> 7) & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(id)
        }
    }
}
