import KiteCore

/// ULEB128 variable-length integers, as Thrift's compact protocol and Parquet's encodings write them.
enum Varint {
    /// Reads one varint from `bytes[position..<end]`, advancing `position`; `what` names it in errors.
    @inline(__always)
    static func read(_ bytes: [UInt8], _ position: inout Int, end: Int, _ what: String) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw KiteError.corrupt("\(what) is truncated") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw KiteError.corrupt("\(what) is longer than 10 bytes") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Decodes zigzag encoding.
    @inline(__always)
    static func unzigzag(_ raw: UInt64) -> Int64 { Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))) }
}
