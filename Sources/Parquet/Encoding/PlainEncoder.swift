import KiteCore

/// PLAIN encoding of Kite's storage arrays (the inverse of `PlainDecoder`).
enum PlainEncoder {
    /// Appends the plain encoding of `values` to `out`.
    static func encode(_ values: DataColumn.Values, into out: inout [UInt8]) {
        encode(values, range: 0..<values.count, into: &out)
    }

    /// Appends the plain encoding of the values in `range` to `out`.
    static func encode(_ values: DataColumn.Values, range: Range<Int>, into out: inout [UInt8]) {
        switch values {
        case .bool(let a):
            var packer = BitPacker()
            for bit in a[range] { packer.append(bit ? 1 : 0, bitWidth: 1) }
            packer.flush()
            out.append(contentsOf: packer.bytes)
        case .int32(let a): a[range].withUnsafeBytes { out.append(contentsOf: $0) }
        case .int64(let a): a[range].withUnsafeBytes { out.append(contentsOf: $0) }
        case .float32(let a): a[range].withUnsafeBytes { out.append(contentsOf: $0) }
        case .float64(let a): a[range].withUnsafeBytes { out.append(contentsOf: $0) }
        case .bytes(let offsets, let data):
            out.reserveCapacity(out.count + offsets[range.upperBound] - offsets[range.lowerBound] + 4 * range.count)
            data.withUnsafeBytes { raw in
                for i in range {
                    let length = offsets[i + 1] - offsets[i]
                    withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).littleEndian) { out.append(contentsOf: $0) }
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[offsets[i]..<offsets[i + 1]]))
                }
            }
        }
    }
}
