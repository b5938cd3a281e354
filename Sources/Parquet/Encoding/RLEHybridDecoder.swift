import KiteCore

/// Decodes Parquet's RLE/bit-packed hybrid encoding (definition levels, dictionary indices, booleans).
struct RLEHybridDecoder {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int
    private let bitWidth: Int

    /// Reads `bytes[range]` holding values of `bitWidth` (0...32) bits.
    init(_ bytes: [UInt8], range: Range<Int>, bitWidth: Int) throws {
        guard (0...32).contains(bitWidth) else {
            throw KiteError.corrupt("RLE bit width \(bitWidth) is outside 0...32")
        }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw KiteError.corrupt("RLE data lies outside its page")
        }
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
        self.bitWidth = bitWidth
    }

    /// Bytes consumed so far, from the start of the buffer.
    var offset: Int { position }

    private mutating func readVarint() throws -> Int {
        let value = try Varint.read(bytes, &position, end: end, "RLE run header")
        guard value <= UInt64(Int32.max) else { throw KiteError.corrupt("RLE run header \(value) is too large") }
        return Int(value)
    }

    /// Decodes exactly `count` values, handing each (index, value) to `emit`.
    mutating func decode(count: Int, emit: (Int, UInt32) -> Void) throws {
        var produced = 0
        while produced < count {
            let header = try readVarint()
            if header & 1 == 0 {
                let runLength = header >> 1
                let valueBytes = (bitWidth + 7) / 8
                guard end - position >= valueBytes else { throw KiteError.corrupt("RLE run value is truncated") }
                var value: UInt32 = 0
                for k in 0..<valueBytes { value |= UInt32(bytes[position + k]) << UInt32(8 * k) }
                position += valueBytes
                guard runLength > 0 else { throw KiteError.corrupt("RLE run of length zero") }
                let take = Swift.min(runLength, count - produced)
                for i in produced..<(produced + take) { emit(i, value) }
                produced += take
            } else {
                let groups = header >> 1
                guard groups > 0 else { throw KiteError.corrupt("bit-packed run of zero groups") }
                let byteCount = groups * bitWidth
                guard byteCount <= end - position else { throw KiteError.corrupt("bit-packed run is truncated") }
                let take = Swift.min(groups * 8, count - produced)
                let base = produced
                let start = position
                bytes.withUnsafeBytes { raw in
                    let run = UnsafeRawBufferPointer(rebasing: raw[start..<(start + byteCount)])
                    BitUnpacker.unpack(run, bitOffset: 0, count: take, bitWidth: bitWidth) { i, v in
                        emit(base + i, UInt32(truncatingIfNeeded: v))
                    }
                }
                position += byteCount
                produced += take
            }
        }
    }

    /// Whether the values start with a run of at least `count` copies of `value` (nothing is consumed).
    func startsWithRun(of value: UInt32, covering count: Int) -> Bool {
        var peek = self
        guard let header = try? peek.readVarint(), header & 1 == 0, header >> 1 >= count else { return false }
        let valueBytes = (bitWidth + 7) / 8
        guard peek.end - peek.position >= valueBytes else { return false }
        var run: UInt32 = 0
        for k in 0..<valueBytes { run |= UInt32(peek.bytes[peek.position + k]) << UInt32(8 * k) }
        return run == value
    }

    /// Decodes `count` values into an array.
    mutating func decode(count: Int) throws -> [UInt32] {
        var result = [UInt32](repeating: 0, count: count)
        try result.withUnsafeMutableBufferPointer { out in
            try decode(count: count) { out[$0] = $1 }
        }
        return result
    }
}
