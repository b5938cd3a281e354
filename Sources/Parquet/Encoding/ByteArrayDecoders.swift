import KiteCore

/// Decoders for DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
enum ByteArrayDecoders {
    /// DELTA_LENGTH_BYTE_ARRAY: the lengths delta-encoded, then all the bytes back to back.
    static func deltaLength(_ bytes: [UInt8], range: Range<Int>, count: Int) throws -> DataColumn.Values {
        var lengths = DeltaBinaryPackedDecoder(bytes, range: range)
        let sizes = try lengths.decode(expected: count)
        guard sizes.count == count else {
            throw KiteError.corrupt("DELTA_LENGTH_BYTE_ARRAY has \(sizes.count) lengths for \(count) values")
        }
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        var total = 0
        for size in sizes {
            guard size >= 0, size <= range.upperBound - lengths.position - total else {
                throw KiteError.corrupt("DELTA_LENGTH_BYTE_ARRAY length \(size) runs past the page")
            }
            total += Int(size)
            offsets.append(total)
        }
        let data = Array(bytes[lengths.position..<(lengths.position + total)])
        return .bytes(offsets: offsets, data: data)
    }

    /// The most bytes one DELTA_BYTE_ARRAY page may expand to, unless 64 times its size is more.
    static let maxExpansion = 256 << 20

    /// DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY; each value is the previous
    /// value's prefix followed by its suffix.
    static func deltaByteArray(_ bytes: [UInt8], range: Range<Int>, count: Int) throws -> DataColumn.Values {
        var prefixDecoder = DeltaBinaryPackedDecoder(bytes, range: range)
        let prefixes = try prefixDecoder.decode(expected: count)
        guard prefixes.count == count else {
            throw KiteError.corrupt("DELTA_BYTE_ARRAY has \(prefixes.count) prefix lengths for \(count) values")
        }
        guard
            case .bytes(let suffixOffsets, let suffixData) = try deltaLength(
                bytes, range: prefixDecoder.position..<range.upperBound, count: count)
        else { throw KiteError.corrupt("DELTA_BYTE_ARRAY suffixes are invalid") }
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        var data: [UInt8] = []
        data.reserveCapacity(suffixData.count)
        var previousStart = 0
        let limit = Swift.max(maxExpansion, 64 * range.count)
        for i in 0..<count {
            let prefix = prefixes[i]
            let previousLength = data.count - previousStart
            guard prefix >= 0, prefix <= previousLength else {
                throw KiteError.corrupt("DELTA_BYTE_ARRAY prefix \(prefix) is longer than the previous value")
            }
            guard data.count <= limit - Int(prefix) - (suffixOffsets[i + 1] - suffixOffsets[i]) else {
                throw KiteError.corrupt("DELTA_BYTE_ARRAY page expands past \(limit) bytes")
            }
            let start = data.count
            data.append(contentsOf: data[previousStart..<(previousStart + Int(prefix))])
            data.append(contentsOf: suffixData[suffixOffsets[i]..<suffixOffsets[i + 1]])
            previousStart = start
            offsets.append(data.count)
        }
        return .bytes(offsets: offsets, data: data)
    }

    /// BYTE_STREAM_SPLIT: byte k of every value is stored in stream k.
    static func byteStreamSplit(
        _ bytes: [UInt8], range: Range<Int>, count: Int, type: PhysicalType, typeLength: Int
    ) throws -> DataColumn.Values {
        let width: Int
        switch type {
        case .int32, .float: width = 4
        case .int64, .double: width = 8
        case .fixedLenByteArray where typeLength > 0: width = typeLength
        default: throw KiteError.unsupported("BYTE_STREAM_SPLIT is not defined for \(type)")
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, total <= range.count else {
            throw KiteError.corrupt("BYTE_STREAM_SPLIT page is too short for \(count) values")
        }
        var interleaved = [UInt8](repeating: 0, count: total)
        for stream in 0..<width {
            let base = range.lowerBound + stream * count
            for i in 0..<count { interleaved[i * width + stream] = bytes[base + i] }
        }
        return try PlainDecoder.decode(interleaved, range: 0..<total, count: count, type: type, typeLength: typeLength)
    }
}
