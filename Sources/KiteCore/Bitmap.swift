/// A packed array of bits: one per row, `true` meaning the row's value is valid (not null).
public struct Bitmap: Sendable, Hashable {
    /// The bits, 64 to a word, least-significant bit first.
    public private(set) var words: [UInt64]
    /// The number of bits.
    public private(set) var count: Int

    /// Creates a bitmap of `count` bits, all set to `value`.
    public init(repeating value: Bool, count: Int) {
        let wordCount = (count + 63) / 64
        words = [UInt64](repeating: value ? ~0 : 0, count: wordCount)
        self.count = count
        if value { clearTail() }
    }

    /// Creates a bitmap from booleans, packed a word at a time.
    public init<S: Sequence>(_ bits: S) where S.Element == Bool {
        self.init(repeating: false, count: 0)
        append(contentsOf: Array(bits))
    }

    /// The bit at `index`; `index` must be in `0..<count`.
    public subscript(index: Int) -> Bool {
        get { words[index >> 6] & (1 << UInt64(index & 63)) != 0 }
        set {
            if newValue {
                words[index >> 6] |= 1 << UInt64(index & 63)
            } else {
                words[index >> 6] &= ~(1 << UInt64(index & 63))
            }
        }
    }

    /// Appends one bit.
    public mutating func append(_ bit: Bool) {
        if count & 63 == 0 { words.append(0) }
        count += 1
        if bit { self[count - 1] = true }
    }

    /// Appends `bits` in order: whole words packed 64 bits at a time once the last word is full.
    public mutating func append(contentsOf bits: [Bool]) {
        reserveCapacity(count + bits.count)
        var index = 0
        while index < bits.count, count & 63 != 0 {
            append(bits[index])
            index += 1
        }
        bits.withUnsafeBufferPointer { bits in
            while index + 64 <= bits.count {
                var word: UInt64 = 0
                for bit in 0..<64 { word |= UInt64(bits[index + bit] ? 1 : 0) << UInt64(bit) }
                words.append(word)
                count += 64
                index += 64
            }
        }
        while index < bits.count {
            append(bits[index])
            index += 1
        }
    }

    /// Calls `body` with the index of each set bit, in ascending order, a word at a time (clear words skipped).
    @inlinable
    public func forEachSetBit(_ body: (Int) throws -> Void) rethrows {
        for (index, word) in words.enumerated() {
            var rest = word
            while rest != 0 {
                try body(index << 6 | rest.trailingZeroBitCount)
                rest &= rest &- 1
            }
        }
    }

    /// Reserves space for `capacity` bits.
    public mutating func reserveCapacity(_ capacity: Int) {
        words.reserveCapacity((capacity + 63) / 64)
    }

    /// The number of set bits.
    public var setCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The number of clear bits.
    public var clearCount: Int { count - setCount }

    private mutating func clearTail() {
        let extra = count & 63
        if extra != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(extra)) - 1 }
    }
}
