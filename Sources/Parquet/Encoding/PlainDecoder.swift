import KiteCore

/// Decodes PLAIN-encoded values of one physical type into Kite's storage arrays.
///
/// INT96 becomes microseconds since the epoch (`.int64`); FIXED_LEN_BYTE_ARRAY becomes `.bytes`.
enum PlainDecoder {
    /// Julian day number of 1970-01-01, for INT96 timestamps.
    static let julianEpochDay: Int64 = 2_440_588

    /// Decodes `count` values from `bytes[range]`.
    static func decode(
        _ bytes: [UInt8], range: Range<Int>, count: Int, type: PhysicalType, typeLength: Int
    ) throws -> DataColumn.Values {
        let available = range.count
        func need(_ size: Int) throws {
            let (total, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, total <= available else {
                throw KiteError.corrupt("page holds \(available) bytes, too few for \(count) \(type) values")
            }
        }
        switch type {
        case .boolean:
            try need(0)
            guard (count + 7) / 8 <= available else {
                throw KiteError.corrupt("page is too short for \(count) booleans")
            }
            var result = [Bool](repeating: false, count: count)
            for i in 0..<count { result[i] = bytes[range.lowerBound + i >> 3] & (1 << UInt8(i & 7)) != 0 }
            return .bool(result)
        case .int32:
            try need(4)
            return .int32(load(bytes, at: range.lowerBound, count: count))
        case .int64:
            try need(8)
            return .int64(load(bytes, at: range.lowerBound, count: count))
        case .float:
            try need(4)
            return .float32(load(bytes, at: range.lowerBound, count: count))
        case .double:
            try need(8)
            return .float64(load(bytes, at: range.lowerBound, count: count))
        case .int96:
            try need(12)
            var result = [Int64](repeating: 0, count: count)
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    let base = range.lowerBound + i * 12
                    let nanos = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: base, as: Int64.self))
                    let day = Int64(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8, as: Int32.self)))
                    result[i] = (day - julianEpochDay) &* Timestamp.microsPerDay &+ nanos / 1000
                }
            }
            return .int64(result)
        case .byteArray:
            guard count <= available / 4 else {
                throw KiteError.corrupt("page holds \(available) bytes, too few for \(count) byte arrays")
            }
            var offsets = [Int](repeating: 0, count: count + 1)
            var position = range.lowerBound
            var dataLength = 0
            // First pass: validate lengths and compute offsets, so the data array is allocated once.
            for i in 0..<count {
                guard range.upperBound - position >= 4 else {
                    throw KiteError.corrupt("byte array value \(i) of \(count) is truncated")
                }
                let length = Int(
                    UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
                        | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24)
                position += 4
                guard length <= range.upperBound - position else {
                    throw KiteError.corrupt("byte array value \(i) claims \(length) bytes; only \(range.upperBound - position) remain")
                }
                position += length
                dataLength += length
                offsets[i + 1] = dataLength
            }
            var data = [UInt8](repeating: 0, count: dataLength)
            data.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { raw in
                    var source = range.lowerBound
                    for i in 0..<count {
                        let length = offsets[i + 1] - offsets[i]
                        source += 4
                        if length > 0 {
                            out.baseAddress!.advanced(by: offsets[i]).copyMemory(
                                from: raw.baseAddress!.advanced(by: source), byteCount: length)
                        }
                        source += length
                    }
                }
            }
            return .bytes(offsets: offsets, data: data)
        case .fixedLenByteArray:
            guard typeLength > 0 else { throw KiteError.corrupt("FIXED_LEN_BYTE_ARRAY column has no positive length") }
            try need(typeLength)
            let data = Array(bytes[range.lowerBound..<(range.lowerBound + count * typeLength)])
            return .bytes(offsets: (0...count).map { $0 * typeLength }, data: data)
        }
    }

    /// Copies `count` little-endian fixed-width values starting at `offset`; the caller checked the bounds.
    static func load<T: BitwiseCopyable>(_ bytes: [UInt8], at offset: Int, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                if count > 0 {
                    UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(
                        from: raw.baseAddress!.advanced(by: offset), byteCount: count * MemoryLayout<T>.stride)
                }
            }
            initialized = count
        }
    }
}
