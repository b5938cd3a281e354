/// Encodes values with Parquet's RLE/bit-packed hybrid: runs of eight or more equal values as RLE runs,
/// everything else bit-packed in groups of eight.
struct RLEHybridEncoder {
    private let bitWidth: Int
    private(set) var bytes: [UInt8] = []
    private var pending: [UInt32] = []
    private var packedGroups = 0
    private var packed = BitPacker()

    init(bitWidth: Int) { self.bitWidth = bitWidth }

    private mutating func varint(_ value: Int) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func flushPacked() {
        guard packedGroups > 0 else { return }
        packed.flush()
        varint(packedGroups << 1 | 1)
        bytes.append(contentsOf: packed.bytes)
        packed = BitPacker()
        packedGroups = 0
    }

    private mutating func writeRun(_ value: UInt32, length: Int) {
        flushPacked()
        varint(length << 1)
        var v = value
        for _ in 0..<((bitWidth + 7) / 8) {
            bytes.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// Encodes all of `values`.
    mutating func encode<C: Collection>(_ values: C) where C.Element == UInt32 {
        var index = values.startIndex
        while index != values.endIndex {
            let value = values[index]
            var runEnd = values.index(after: index)
            var length = 1
            while runEnd != values.endIndex, values[runEnd] == value {
                runEnd = values.index(after: runEnd)
                length += 1
            }
            if length >= 8 && pending.isEmpty {
                writeRun(value, length: length)
                index = runEnd
                continue
            }
            pending.append(value)
            index = values.index(after: index)
            if pending.count == 8 {
                for v in pending { packed.append(UInt64(v), bitWidth: bitWidth) }
                packedGroups += 1
                pending.removeAll(keepingCapacity: true)
                if packedGroups == 63 { flushPacked() }
            }
        }
        if !pending.isEmpty {
            // Pad the last group to eight values; readers stop at the page's value count.
            if packedGroups == 0 && pending.allSatisfy({ $0 == pending[0] }) {
                writeRun(pending[0], length: pending.count)
            } else {
                for v in pending { packed.append(UInt64(v), bitWidth: bitWidth) }
                for _ in pending.count..<8 { packed.append(0, bitWidth: bitWidth) }
                packedGroups += 1
            }
            pending.removeAll()
        }
        flushPacked()
    }
}
