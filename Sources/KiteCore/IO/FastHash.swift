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
        return mix(h ^ word(raw, p, end - p))
    }

    /// Up to 8 bytes at `start` in `raw` (`count` of them; those past 8 are left out) as a little-endian integer:
    /// one load where 8 bytes are in bounds.
    @inline(__always)
    public static func word(_ raw: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64 {
        if count >= 8 { return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)) }
        if count <= 0 { return 0 }
        if raw.count - start >= 8 {
            return UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)) & (UInt64.max >> (64 - 8 * UInt64(count)))
        }
        var word: UInt64 = 0
        for i in 0..<count { word |= UInt64(raw[start + i]) << (8 * UInt64(i)) }
        return word
    }
}
