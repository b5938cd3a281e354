import KiteCore
import Testing

@Suite struct TextInternerTests {
    /// Ids in order of first appearance, equal for equal bytes only: short keys (held in the slot), long ones,
    /// the empty string, keys differing by a trailing zero byte, non-ASCII text; across table growth; and looked up
    /// from another interner.
    @Test func numbersDistinctStrings() {
        var keys = ["", "a", "a\u{0}", "12345678", "123456789", "usér-😀-with-a-longer-name", "a"]
        keys += (0..<5_000).map { $0 % 3 == 0 ? "customer-\($0)-of-many" : String($0) }
        keys += keys.reversed()
        var bytes: [UInt8] = []
        var offsets = [0]
        for key in keys {
            bytes += Array(key.utf8)
            offsets.append(bytes.count)
        }
        var interner = TextInterner(capacity: 4)
        let batched = bytes.withUnsafeBytes { interner.ids($0, offsets: offsets, rows: Array(keys.indices)) }
        var expected: [String: Int32] = [:]
        for key in keys where expected[key] == nil { expected[key] = Int32(expected.count) }
        #expect(batched == keys.map { expected[$0] ?? -1 })
        #expect(interner.count == expected.count)
        for (key, id) in expected { #expect(interner.text(id) == key) }
        // Another interner's strings looked up here, nothing added: known ones by their ids, the others -1.
        let looked = ["never seen", "123456789", "", "usér-😀-with-a-longer-name", "a\u{0}", "also never seen"]
        var lookedBytes: [UInt8] = []
        var lookedOffsets = [0]
        for key in looked {
            lookedBytes += Array(key.utf8)
            lookedOffsets.append(lookedBytes.count)
        }
        var other = TextInterner()
        _ = lookedBytes.withUnsafeBytes { other.ids($0, offsets: lookedOffsets, rows: Array(looked.indices)) }
        #expect(interner.existingIDs(of: other) == looked.map { expected[$0] ?? -1 })
        #expect(interner.count == expected.count)
        // Its strings added to another that knows two of them: the others numbered after those, in its order.
        let known = ["123456789", "usér-😀-with-a-longer-name"]
        var merged = TextInterner(capacity: 4)
        _ = lookedBytes.withUnsafeBytes { merged.ids($0, offsets: lookedOffsets, rows: [1, 1, 3]) }
        let inOrder = expected.sorted { $0.value < $1.value }.map(\.key)
        var next = Int32(known.count)
        let mergedIDs = inOrder.map { key -> Int32 in
            if let index = known.firstIndex(of: key) { return Int32(index) }
            defer { next += 1 }
            return next
        }
        #expect(merged.ids(of: interner) == mergedIDs)
        for (key, id) in zip(inOrder, mergedIDs) { #expect(merged.text(id) == key) }
    }
}
