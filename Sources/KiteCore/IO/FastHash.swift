/// A fast non-cryptographic 64-bit hash for hash tables over column values (dictionary encoding, join keys).
public enum FastHash {
    /// Mixes a 64-bit value into a well-spread hash (the SplitMix64 finalizer).
    @inline(__always)
    public static func mix(_ key: UInt64) -> UInt64 {
        var x = key &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 31
        x = x &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 29)
    }

    /// The hash of `length` bytes at `start` in `raw`, continuing from `seed`.
    @inline(__always)
    public static func bytes(_ raw: UnsafeRawBufferPointer, _ start: Int, _ length: Int, seed: UInt64) -> UInt64 {
        var h = seed ^ UInt64(length)
        var p = start
        let end = start + length
        while end - p >= 8 {
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: p, as: UInt64.self))
            p += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while p < end {
            tail |= UInt64(raw[p]) << shift
            shift += 8
            p += 1
        }
        return mix(h ^ tail)
    }
}
