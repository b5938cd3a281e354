/// Sorts finite doubles by their bits, six passes of 11 bits (least significant first; 2,048 buckets stay in cache): several times faster
/// than a comparison sort on the hundreds of thousands of values a drift window holds.
enum RadixSort {
    static func sorted(_ values: [Double]) -> [Double] {
        guard values.count > 256 else { return values.sorted() }
        // Order-preserving keys: negative numbers have every bit flipped, others only the sign bit.
        var keys = values.map { value -> UInt64 in
            let bits = value.bitPattern
            return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
        }
        var scratch = [UInt64](repeating: 0, count: keys.count)
        var counts = [Int](repeating: 0, count: 1 << 11)
        for pass in 0..<6 {
            let shift = UInt64(pass * 11)
            for i in counts.indices { counts[i] = 0 }
            for key in keys { counts[Int((key >> shift) & 0x7FF)] += 1 }
            if counts.contains(keys.count) { continue }  // every key has the same digit: nothing moves
            var total = 0
            for i in counts.indices {
                let count = counts[i]
                counts[i] = total
                total += count
            }
            for key in keys {
                let digit = Int((key >> shift) & 0x7FF)
                scratch[counts[digit]] = key
                counts[digit] += 1
            }
            swap(&keys, &scratch)
        }
        return keys.map { key in Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key) }
    }
}
