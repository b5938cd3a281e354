import KiteCore

/// Snappy's raw block format (no framing), as Parquet uses it.
enum Snappy {
    /// Decompresses a block whose decompressed size must be `expectedSize` (from the page header).
    static func decompress(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        var position = 0
        let end = input.count
        var length = 0
        var shift = 0
        while true {
            guard position < end, shift < 35 else { throw KiteError.corrupt("snappy length header is invalid") }
            let byte = input[position]
            position += 1
            length |= Int(byte & 0x7f) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        guard length == expectedSize else {
            throw KiteError.corrupt("snappy block holds \(length) bytes, the page header says \(expectedSize)")
        }
        return try [UInt8](unsafeUninitializedCapacity: length) { out, initialized in
            // A throw leaves `initialized` at 0: bytes need no deinitializing.
            guard length > 0, let target = out.baseAddress, let source = input.baseAddress else {
                guard length == 0, position == end else { throw KiteError.corrupt("snappy block ended after 0 of \(length) bytes") }
                return
            }
            initialized = try decodeElements(source.assumingMemoryBound(to: UInt8.self), from: position, to: end, into: target, length: length)
        }
    }

    /// Decodes the literals and copies of `input[position..<end]` into `output`, which holds exactly `length`
    /// bytes; every offset and length is checked against both. Returns `length`.
    private static func decodeElements(
        _ input: UnsafePointer<UInt8>, from start: Int, to end: Int, into output: UnsafeMutablePointer<UInt8>, length: Int
    ) throws -> Int {
        var position = start
        var written = 0
        while position < end {
            let tag = input[position]
            position += 1
            if tag & 3 == 0 {
                var literal = Int(tag >> 2) + 1
                if literal > 60 {
                    let extra = literal - 60
                    guard end - position >= extra else { throw KiteError.corrupt("snappy literal is truncated") }
                    literal = 0
                    for k in 0..<extra { literal |= Int(input[position + k]) << (8 * k) }
                    literal += 1
                    position += extra
                }
                guard literal <= end - position, literal <= length - written else {
                    throw KiteError.corrupt("snappy literal runs past its block")
                }
                if literal <= 16 && end - position >= 16 && length - written >= 16 {
                    // Short literals (most of them): one fixed 16-byte copy, the bytes past the literal
                    // overwritten by what follows.
                    UnsafeMutableRawPointer(output + written).copyMemory(from: input + position, byteCount: 16)
                } else {
                    (output + written).update(from: input + position, count: literal)
                }
                position += literal
                written += literal
                continue
            }
            let copyLength: Int
            let offset: Int
            switch tag & 3 {
            case 1:
                guard position < end else { throw KiteError.corrupt("snappy copy is truncated") }
                copyLength = Int((tag >> 2) & 7) + 4
                offset = Int(tag >> 5) << 8 | Int(input[position])
                position += 1
            case 2:
                guard end - position >= 2 else { throw KiteError.corrupt("snappy copy is truncated") }
                copyLength = Int(tag >> 2) + 1
                offset = Int(input[position]) | Int(input[position + 1]) << 8
                position += 2
            default:
                guard end - position >= 4 else { throw KiteError.corrupt("snappy copy is truncated") }
                copyLength = Int(tag >> 2) + 1
                offset = Int(input[position]) | Int(input[position + 1]) << 8 | Int(input[position + 2]) << 16 | Int(input[position + 3]) << 24
                position += 4
            }
            guard offset > 0, offset <= written, copyLength <= length - written else {
                throw KiteError.corrupt("snappy copy refers outside its block")
            }
            let target = output + written
            let source = target - offset
            if offset >= 8 && copyLength <= 16 && length - written >= 16 {
                // Short copies (most of them): two fixed 8-byte copies, each reading only bytes already written,
                // the bytes past the copy overwritten by what follows.
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: 8)
                UnsafeMutableRawPointer(target + 8).copyMemory(from: source + 8, byteCount: 8)
            } else if offset >= copyLength {
                target.update(from: source, count: copyLength)
            } else {
                for k in 0..<copyLength { target[k] = source[k] }
            }
            written += copyLength
        }
        guard written == length else { throw KiteError.corrupt("snappy block ended after \(written) of \(length) bytes") }
        return written
    }

    /// Compresses `input` into one snappy block.
    static func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let count = input.count
        var output = [UInt8](repeating: 0, count: 32 + count + count / 6)
        let written = output.withUnsafeMutableBufferPointer { out -> Int in
            var o = 0
            var v = count
            while v >= 0x80 {
                out[o] = UInt8(v & 0x7f) | 0x80
                o += 1
                v >>= 7
            }
            out[o] = UInt8(v)
            o += 1
            var table = [UInt16](repeating: 0, count: 1 << 14)
            var blockStart = 0
            while blockStart < count {
                let blockEnd = Swift.min(blockStart + 65_536, count)
                o = compressBlock(input, blockStart, blockEnd, out, o, &table)
                blockStart = blockEnd
            }
            return o
        }
        output.removeSubrange(written...)
        return output
    }

    @inline(__always)
    private static func load32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        p.loadUnaligned(fromByteOffset: i, as: UInt32.self)
    }

    @inline(__always)
    private static func hash(_ v: UInt32) -> Int { Int((v &* 0x1E35_A7BD) >> 18) }

    private static func emitLiteral(
        _ input: UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ out: UnsafeMutableBufferPointer<UInt8>, _ o: Int
    ) -> Int {
        var o = o
        let n = to - from
        guard n > 0 else { return o }
        let m = n - 1
        if m < 60 {
            out[o] = UInt8(m << 2)
            o += 1
        } else if m < 1 << 8 {
            out[o] = 60 << 2
            out[o + 1] = UInt8(m)
            o += 2
        } else if m < 1 << 16 {
            out[o] = 61 << 2
            out[o + 1] = UInt8(m & 0xff)
            out[o + 2] = UInt8(m >> 8)
            o += 3
        } else {
            out[o] = 62 << 2
            out[o + 1] = UInt8(m & 0xff)
            out[o + 2] = UInt8((m >> 8) & 0xff)
            out[o + 3] = UInt8(m >> 16)
            o += 4
        }
        UnsafeMutableRawPointer(out.baseAddress!.advanced(by: o)).copyMemory(
            from: input.baseAddress!.advanced(by: from), byteCount: n)
        return o + n
    }

    private static func emitCopy(_ offset: Int, _ length: Int, _ out: UnsafeMutableBufferPointer<UInt8>, _ o: Int) -> Int {
        var o = o
        var length = length
        while length >= 68 {
            out[o] = UInt8(63 << 2 | 2)
            out[o + 1] = UInt8(offset & 0xff)
            out[o + 2] = UInt8(offset >> 8)
            o += 3
            length -= 64
        }
        if length > 64 {
            out[o] = UInt8(59 << 2 | 2)
            out[o + 1] = UInt8(offset & 0xff)
            out[o + 2] = UInt8(offset >> 8)
            o += 3
            length -= 60
        }
        if length < 12 && offset < 2048 {
            out[o] = UInt8((offset >> 8) << 5 | (length - 4) << 2 | 1)
            out[o + 1] = UInt8(offset & 0xff)
            return o + 2
        }
        out[o] = UInt8((length - 1) << 2 | 2)
        out[o + 1] = UInt8(offset & 0xff)
        out[o + 2] = UInt8(offset >> 8)
        return o + 3
    }

    /// Compresses `input[start..<end]` (at most 64 KiB), matching only within the block.
    private static func compressBlock(
        _ input: UnsafeRawBufferPointer, _ start: Int, _ end: Int,
        _ out: UnsafeMutableBufferPointer<UInt8>, _ o: Int, _ table: inout [UInt16]
    ) -> Int {
        var o = o
        let length = end - start
        guard length >= 15 else { return emitLiteral(input, start, end, out, o) }
        for k in 0..<table.count { table[k] = 0 }
        let limit = end - 15
        var literalStart = start
        var i = start + 1
        return table.withUnsafeMutableBufferPointer { table in
            var skip = 32
            while i < limit {
                let current = load32(input, i)
                let h = hash(current)
                let candidate = start + Int(table[h])
                table[h] = UInt16(i - start)
                if candidate < i, load32(input, candidate) == current {
                    o = emitLiteral(input, literalStart, i, out, o)
                    var matchEnd = i + 4
                    var from = candidate + 4
                    while matchEnd < end, input[matchEnd] == input[from] {
                        matchEnd += 1
                        from += 1
                    }
                    o = emitCopy(i - candidate, matchEnd - i, out, o)
                    i = matchEnd
                    literalStart = i
                    skip = 32
                    if i < limit { table[hash(load32(input, i - 1))] = UInt16(i - 1 - start) }
                } else {
                    i += skip >> 5
                    skip += 1
                }
            }
            return emitLiteral(input, literalStart, end, out, o)
        }
    }
}
