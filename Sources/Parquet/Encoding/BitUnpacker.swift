/// Reads little-endian, least-significant-bit-first packed integers, the layout Parquet's RLE/bit-packed hybrid
/// and delta encodings share. The caller checks that `bitOffset + count * bitWidth` bits lie inside `bytes`.
enum BitUnpacker {
    /// Unpacks `count` values of `bitWidth` (0...64) bits starting at `bitOffset` and passes each to `emit`.
    @inline(__always)
    static func unpack(
        _ bytes: UnsafeRawBufferPointer, bitOffset: Int, count: Int, bitWidth: Int, emit: (Int, UInt64) -> Void
    ) {
        if bitWidth == 0 {
            for i in 0..<count { emit(i, 0) }
            return
        }
        let mask: UInt64 = bitWidth == 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
        var bit = bitOffset
        let size = bytes.count
        for i in 0..<count {
            let byte = bit >> 3
            let shift = UInt64(bit & 7)
            var word: UInt64
            if byte + 8 <= size {
                word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: byte, as: UInt64.self))
            } else {
                word = 0
                for k in 0..<Swift.min(8, size - byte) { word |= UInt64(bytes[byte + k]) << UInt64(8 * k) }
            }
            var value = word >> shift
            if shift + UInt64(bitWidth) > 64 {
                value |= UInt64(bytes[byte + 8]) << (64 - shift)
            }
            emit(i, value & mask)
            bit += bitWidth
        }
    }
}

/// Packs integers least-significant bit first (the inverse of `BitUnpacker`).
struct BitPacker {
    private(set) var bytes: [UInt8] = []
    private var buffer: UInt64 = 0
    private var buffered: UInt64 = 0

    /// Appends the low `bitWidth` (≤ 32) bits of `value`.
    mutating func append(_ value: UInt64, bitWidth: Int) {
        buffer |= value << buffered
        buffered += UInt64(bitWidth)
        while buffered >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer >>= 8
            buffered -= 8
        }
    }

    /// Writes any partial byte, padding with zero bits.
    mutating func flush() {
        if buffered > 0 {
            bytes.append(UInt8(truncatingIfNeeded: buffer))
            buffer = 0
            buffered = 0
        }
    }
}
