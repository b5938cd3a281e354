/// GrowthBook's hashing, computed as its SDKs compute it, so a unit lands in the same bucket in Kite as in a
/// GrowthBook SDK given the same seed.
public enum GrowthBookHash {
    /// FNV-1a (32 bits) over the UTF-16 code units of `text`, as the JavaScript SDK's `charCodeAt` loop (and the
    /// Python SDK, which matches it) computes it.
    public static func fnv1a32(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for unit in text.utf16 {
            hash = (hash ^ UInt32(unit)) &* 0x0100_0193
        }
        return hash
    }

    /// The unit's position in [0, 1): version 2 (unbiased) is `fnv1a32(String(fnv1a32(seed + value))) % 10000 /
    /// 10000`; version 1 (the original, kept for old experiments) is `fnv1a32(value + seed) % 1000 / 1000`. Nil for
    /// another version.
    public static func position(seed: String, value: String, version: Int) -> Double? {
        switch version {
        case 2: Double(fnv1a32(String(fnv1a32(seed + value))) % 10_000) / 10_000
        case 1: Double(fnv1a32(value + seed) % 1_000) / 1_000
        default: nil
        }
    }
}
