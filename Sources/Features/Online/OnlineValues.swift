import KiteCore

/// One view's latest values for one entity, as the online store keeps them: feature values by name, when they
/// became true (event time) and when they were written (created time, which breaks ties).
public struct OnlineValues: Sendable, Hashable {
    public var names: [String]
    public var values: [Scalar]
    /// Microseconds since the epoch, UTC.
    public var eventTime: Int64
    /// Microseconds since the epoch, UTC; 0 when the source has no created timestamp.
    public var createdTime: Int64

    public init(names: [String], values: [Scalar], eventTime: Int64, createdTime: Int64 = 0) {
        self.names = names
        self.values = values
        self.eventTime = eventTime
        self.createdTime = createdTime
    }

    /// The value of feature `name`; nil when this row does not hold it.
    public func value(_ name: String) -> Scalar? {
        names.firstIndex(of: name).map { values[$0] }
    }

    /// Whether these values win over `stored`: a later event, or the same event written later (or again).
    public func supersedes(_ stored: OnlineValues) -> Bool {
        eventTime > stored.eventTime || (eventTime == stored.eventTime && createdTime >= stored.createdTime)
    }

    /// The stored form of the names and values (the times are kept beside it): a count, then per feature its
    /// name, a type tag and the value, little-endian.
    public func encodedPayload() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + names.count * 20)
        Self.append(UInt32(names.count), to: &bytes)
        for (name, value) in zip(names, values) {
            let utf8 = Array(name.utf8)
            Self.append(UInt32(utf8.count), to: &bytes)
            bytes += utf8
            switch value {
            case .null: bytes.append(0)
            case .bool(let flag): bytes += [1, flag ? 1 : 0]
            case .int(let number):
                bytes.append(2)
                Self.append(UInt64(bitPattern: number), to: &bytes)
            case .float(let number):
                bytes.append(3)
                Self.append(number.bitPattern, to: &bytes)
            case .double(let number):
                bytes.append(4)
                Self.append(number.bitPattern, to: &bytes)
            case .string(let text):
                bytes.append(5)
                let utf8 = Array(text.utf8)
                Self.append(UInt32(utf8.count), to: &bytes)
                bytes += utf8
            case .binary(let data):
                bytes.append(6)
                Self.append(UInt32(data.count), to: &bytes)
                bytes += data
            case .timestamp(let micros):
                bytes.append(7)
                Self.append(UInt64(bitPattern: micros), to: &bytes)
            case .date(let days):
                bytes.append(8)
                Self.append(UInt32(bitPattern: days), to: &bytes)
            }
        }
        return bytes
    }

    /// Reads what `encodedPayload()` wrote; every length is checked, a damaged payload is an error.
    public init(payload: some Collection<UInt8>, eventTime: Int64, createdTime: Int64) throws {
        var reader = PayloadReader(bytes: Array(payload))
        let count = Int(try reader.uint32())
        guard count <= reader.remaining / 5 else { throw reader.damaged() }
        var names: [String] = []
        var values: [Scalar] = []
        names.reserveCapacity(count)
        values.reserveCapacity(count)
        for _ in 0..<count {
            names.append(String(decoding: try reader.bytes(Int(try reader.uint32())), as: UTF8.self))
            switch try reader.byte() {
            case 0: values.append(.null)
            case 1: values.append(.bool(try reader.byte() != 0))
            case 2: values.append(.int(Int64(bitPattern: try reader.uint64())))
            case 3: values.append(.float(Float(bitPattern: try reader.uint32())))
            case 4: values.append(.double(Double(bitPattern: try reader.uint64())))
            case 5: values.append(.string(String(decoding: try reader.bytes(Int(try reader.uint32())), as: UTF8.self)))
            case 6: values.append(.binary(try reader.bytes(Int(try reader.uint32()))))
            case 7: values.append(.timestamp(Int64(bitPattern: try reader.uint64())))
            case 8: values.append(.date(Int32(bitPattern: try reader.uint32())))
            default: throw reader.damaged()
            }
        }
        guard reader.remaining == 0 else { throw reader.damaged() }
        self.init(names: names, values: values, eventTime: eventTime, createdTime: createdTime)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

/// Bounds-checked little-endian reads over a payload.
private struct PayloadReader {
    let bytes: [UInt8]
    var offset = 0

    var remaining: Int { bytes.count - offset }

    mutating func byte() throws -> UInt8 {
        guard remaining >= 1 else { throw damaged() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint32() throws -> UInt32 { UInt32(truncatingIfNeeded: try integer(4)) }

    mutating func uint64() throws -> UInt64 { try integer(8) }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= remaining else { throw damaged() }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    private mutating func integer(_ width: Int) throws -> UInt64 {
        guard remaining >= width else { throw damaged() }
        var value: UInt64 = 0
        for index in 0..<width { value |= UInt64(bytes[offset + index]) << (8 * index) }
        offset += width
        return value
    }

    func damaged() -> KiteError {
        KiteError(.corruptData, "an online-store value is damaged (\(bytes.count) bytes, stopped at \(offset)); materialize the view again")
    }
}
