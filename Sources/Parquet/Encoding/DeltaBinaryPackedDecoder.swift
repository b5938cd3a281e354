import KiteCore

/// Decodes DELTA_BINARY_PACKED integers (also the lengths inside the two delta byte-array encodings).
struct DeltaBinaryPackedDecoder {
    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int

    /// The largest block size accepted (writers use 128 to 1024).
    static let maxBlockSize = 1 << 20

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.position = range.lowerBound
        self.end = range.upperBound
    }

    private mutating func varint() throws -> UInt64 {
        try Varint.read(bytes, &position, end: end, "DELTA_BINARY_PACKED header")
    }

    private mutating func zigzag() throws -> Int64 { Varint.unzigzag(try varint()) }

    /// Decodes the block of values at the current position; `expected` bounds the count the header may claim.
    mutating func decode(expected: Int) throws -> [Int64] {
        let blockSize = Int(clamping: try varint())
        let miniblockCount = Int(clamping: try varint())
        let total = Int(clamping: try varint())
        var last = try zigzag()
        guard blockSize > 0, blockSize <= Self.maxBlockSize, blockSize % 128 == 0, miniblockCount > 0, blockSize % miniblockCount == 0,
            (blockSize / miniblockCount) % 32 == 0
        else {
            throw KiteError.corrupt("DELTA_BINARY_PACKED header is invalid (block \(blockSize), miniblocks \(miniblockCount))")
        }
        guard total <= expected else {
            throw KiteError.corrupt("DELTA_BINARY_PACKED claims \(total) values where at most \(expected) fit")
        }
        let perMiniblock = blockSize / miniblockCount
        var values = [Int64]()
        values.reserveCapacity(total)
        if total > 0 { values.append(last) }
        while values.count < total {
            let minDelta = try zigzag()
            guard end - position >= miniblockCount else {
                throw KiteError.corrupt("DELTA_BINARY_PACKED bit widths are truncated")
            }
            let widthsStart = position
            position += miniblockCount
            for m in 0..<miniblockCount where values.count < total {
                let width = Int(bytes[widthsStart + m])
                guard width <= 64 else { throw KiteError.corrupt("DELTA_BINARY_PACKED bit width \(width) > 64") }
                let byteCount = perMiniblock * width / 8
                guard end - position >= byteCount else {
                    throw KiteError.corrupt("DELTA_BINARY_PACKED miniblock is truncated")
                }
                let take = Swift.min(perMiniblock, total - values.count)
                let start = position
                bytes.withUnsafeBytes { raw in
                    let block = UnsafeRawBufferPointer(rebasing: raw[start..<(start + byteCount)])
                    BitUnpacker.unpack(block, bitOffset: 0, count: take, bitWidth: width) { _, delta in
                        last = last &+ minDelta &+ Int64(bitPattern: delta)
                        values.append(last)
                    }
                }
                position += byteCount
            }
        }
        return values
    }
}
