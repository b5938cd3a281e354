import KiteCore

/// Reads Thrift's compact protocol from a byte buffer, checking every length against what is left.
///
/// Parquet's footer and page headers are Thrift structs; the decoders in `Metadata/` are written by hand on
/// top of this reader and skip fields they do not know.
struct ThriftCompactReader {
    /// Compact-protocol element types.
    enum ElementType: UInt8 {
        case boolTrue = 1
        case boolFalse = 2
        case byte = 3
        case i16 = 4
        case i32 = 5
        case i64 = 6
        case double = 7
        case binary = 8
        case list = 9
        case set = 10
        case map = 11
        case `struct` = 12
    }

    /// The deepest nesting of structs and containers accepted before the input is called corrupt.
    static let maxDepth = 64

    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int
    private var depth = 0
    private var lastFieldIDs: [Int16] = []
    private var pendingBool: Bool?

    /// Starts reading `bytes[start..<end]`.
    init(_ bytes: [UInt8], start: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = Swift.min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - position }

    private func truncated() -> KiteError { .corrupt("Thrift structure is truncated at byte \(position)") }

    mutating func readByte() throws -> UInt8 {
        guard position < end else { throw truncated() }
        position += 1
        return bytes[position - 1]
    }

    mutating func readVarint() throws -> UInt64 {
        try Varint.read(bytes, &position, end: end, "Thrift varint")
    }

    mutating func readI64() throws -> Int64 {
        Varint.unzigzag(try readVarint())
    }

    mutating func readI32() throws -> Int32 {
        let value = try readI64()
        guard let narrowed = Int32(exactly: value) else { throw KiteError.corrupt("Thrift i32 out of range: \(value)") }
        return narrowed
    }

    mutating func readI16() throws -> Int16 {
        let value = try readI64()
        guard let narrowed = Int16(exactly: value) else { throw KiteError.corrupt("Thrift i16 out of range: \(value)") }
        return narrowed
    }

    /// An i32 that must be non-negative, as a Swift `Int` (sizes, counts, offsets).
    mutating func readCount(_ what: String) throws -> Int {
        let value = try readI32()
        guard value >= 0 else { throw KiteError.corrupt("negative \(what): \(value)") }
        return Int(value)
    }

    /// An i64 that must be non-negative, as a Swift `Int`.
    mutating func readOffset(_ what: String) throws -> Int {
        let value = try readI64()
        guard value >= 0 else { throw KiteError.corrupt("negative \(what): \(value)") }
        return Int(value)
    }

    mutating func readDouble() throws -> Double {
        guard remaining >= 8 else { throw truncated() }
        var bits: UInt64 = 0
        for i in 0..<8 { bits |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return Double(bitPattern: bits)
    }

    mutating func readBinary() throws -> [UInt8] {
        let length = try readVarint()
        guard length <= UInt64(remaining) else { throw truncated() }
        let start = position
        position += Int(length)
        return Array(bytes[start..<position])
    }

    mutating func readString() throws -> String {
        String(decoding: try readBinary(), as: UTF8.self)
    }

    /// The value of a bool field (carried in the field header) or a bool list element.
    mutating func readBool() throws -> Bool {
        if let value = pendingBool {
            pendingBool = nil
            return value
        }
        return try readByte() == 1
    }

    /// Enters a struct: field ids restart from zero.
    mutating func beginStruct() throws {
        depth += 1
        guard depth <= Self.maxDepth else { throw KiteError.corrupt("Thrift structure nested too deeply") }
        lastFieldIDs.append(0)
    }

    mutating func endStruct() {
        depth -= 1
        lastFieldIDs.removeLast()
    }

    /// The next field's id and type, or nil at the struct's end.
    mutating func readFieldHeader() throws -> (id: Int16, type: ElementType)? {
        let header = try readByte()
        if header == 0 { return nil }
        guard let type = ElementType(rawValue: header & 0x0f) else {
            throw KiteError.corrupt("unknown Thrift type \(header & 0x0f)")
        }
        let delta = Int16(header >> 4)
        let last = lastFieldIDs.last ?? 0
        let id = delta == 0 ? try readI16() : last &+ delta
        lastFieldIDs[lastFieldIDs.count - 1] = id
        switch type {
        case .boolTrue: pendingBool = true
        case .boolFalse: pendingBool = false
        default: pendingBool = nil
        }
        return (id, type)
    }

    /// A list or set header: element type and count (checked against the bytes left, as every element takes at
    /// least one byte).
    mutating func readListHeader() throws -> (type: ElementType, count: Int) {
        let header = try readByte()
        var count = Int(header >> 4)
        if count == 15 {
            let long = try readVarint()
            guard long <= UInt64(remaining) else { throw truncated() }
            count = Int(long)
        }
        guard let type = ElementType(rawValue: header & 0x0f) else {
            throw KiteError.corrupt("unknown Thrift element type \(header & 0x0f)")
        }
        guard count <= remaining else { throw truncated() }
        return (type, count)
    }

    /// Reads a list whose elements `element` decodes.
    mutating func readList<T>(_ element: (inout ThriftCompactReader) throws -> T) throws -> [T] {
        let (_, count) = try readListHeader()
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw KiteError.corrupt("Thrift structure nested too deeply") }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    /// Reads a struct, passing each field to `field`, which must consume or skip it.
    mutating func readStruct(_ field: (inout ThriftCompactReader, Int16, ElementType) throws -> Void) throws {
        try beginStruct()
        while let (id, type) = try readFieldHeader() {
            try field(&self, id, type)
        }
        endStruct()
    }

    /// Skips a value of `type`.
    mutating func skip(_ type: ElementType) throws {
        switch type {
        case .boolTrue, .boolFalse: pendingBool = nil
        case .byte: _ = try readByte()
        case .i16, .i32, .i64: _ = try readVarint()
        case .double: _ = try readDouble()
        case .binary: _ = try readBinary()
        case .list, .set:
            let (elementType, count) = try readListHeader()
            try nested {
                for _ in 0..<count {
                    if elementType == .boolTrue || elementType == .boolFalse {
                        _ = try $0.readByte()
                    } else {
                        try $0.skip(elementType)
                    }
                }
            }
        case .map:
            let count = try readVarint()
            guard count <= UInt64(remaining) else { throw truncated() }
            if count == 0 { return }
            let types = try readByte()
            guard let keyType = ElementType(rawValue: types >> 4), let valueType = ElementType(rawValue: types & 0x0f)
            else { throw KiteError.corrupt("unknown Thrift map types") }
            try nested {
                for _ in 0..<count {
                    try $0.skip(keyType)
                    try $0.skip(valueType)
                }
            }
        case .struct:
            try readStruct { reader, _, fieldType in try reader.skip(fieldType) }
        }
    }

    private mutating func nested(_ body: (inout ThriftCompactReader) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw KiteError.corrupt("Thrift structure nested too deeply") }
        try body(&self)
    }
}
