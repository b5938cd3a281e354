import Foundation
import KiteCore

/// Tensors of the Open Inference Protocol as Kite's columns: read from JSON `data` or from the binary tensor data
/// extension (raw little-endian values after the JSON header, as `tritonclient` sends by default), and written
/// back either way.
enum InferenceTensor {
    /// One input tensor as a named column: its values come from `data` (flat or nested row-major) or, when its
    /// parameters give `binary_data_size`, from the front of `binary`. The shape must be `[N]` or `[N, 1]` and
    /// hold as many values as were given.
    static func column(_ tensor: JSONValue, at path: String, binary: inout ArraySlice<UInt8>) throws -> (name: String, values: [Scalar]) {
        guard case .string(let name)? = tensor["name"] else { throw KiteError.invalidArgument("\(path) needs a 'name'") }
        guard case .array(let shapeItems)? = tensor["shape"] else { throw KiteError.invalidArgument("\(path) ('\(name)') needs a 'shape'") }
        let shape = try shapeItems.map { item -> Int in
            guard case .integer(let size) = item, size >= 0, size <= Int(Int32.max) else {
                throw KiteError.invalidArgument("\(path).shape must hold non-negative integers")
            }
            return Int(size)
        }
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            throw KiteError.invalidArgument("\(path) ('\(name)') has shape \(shape); Kite's models take one column per input: use [N] or [N, 1]")
        }
        guard case .string(let datatype)? = tensor["datatype"] else { throw KiteError.invalidArgument("\(path) ('\(name)') needs a 'datatype'") }
        var values: [Scalar] = []
        if case .integer(let size)? = tensor["parameters"]?["binary_data_size"] {
            guard size >= 0, size <= binary.count else {
                throw KiteError.invalidArgument("\(path) ('\(name)') announces \(size) bytes of binary data; \(binary.count) remain in the body")
            }
            let bytes = binary.prefix(Int(size))
            binary = binary.dropFirst(Int(size))
            values = try decode(bytes, datatype: datatype, at: "\(path) ('\(name)')")
        } else {
            guard let data = tensor["data"] else { throw KiteError.invalidArgument("\(path) ('\(name)') needs 'data' or binary data") }
            func flatten(_ value: JSONValue, depth: Int) throws {
                if case .array(let items) = value {
                    guard depth < 2 else { throw KiteError.invalidArgument("\(path).data nests deeper than its shape") }
                    for item in items { try flatten(item, depth: depth + 1) }
                } else {
                    values.append(try value.scalar(at: "\(path).data"))
                }
            }
            try flatten(data, depth: 0)
        }
        guard values.count == shape[0] else { throw KiteError.invalidArgument("\(path) ('\(name)') has shape \(shape) but \(values.count) values") }
        return (name, values)
    }

    /// The values of a binary tensor: fixed-size little-endian numbers, one byte per BOOL, and for BYTES each
    /// element after its 4-byte little-endian length.
    static func decode(_ bytes: ArraySlice<UInt8>, datatype: String, at path: String) throws -> [Scalar] {
        let base = bytes.startIndex
        func integer(_ offset: Int, _ size: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<size { value |= UInt64(bytes[base + offset + index]) << (8 * index) }
            return value
        }
        func fixed(_ size: Int, _ make: (UInt64) throws -> Scalar) throws -> [Scalar] {
            guard bytes.count % size == 0 else { throw KiteError.invalidArgument("\(path): \(bytes.count) bytes are not whole \(datatype) values") }
            return try stride(from: 0, to: bytes.count, by: size).map { try make(integer($0, size)) }
        }
        switch datatype {
        case "BOOL": return try fixed(1) { .bool($0 != 0) }
        case "INT8": return try fixed(1) { .int(Int64(Int8(truncatingIfNeeded: $0))) }
        case "INT16": return try fixed(2) { .int(Int64(Int16(truncatingIfNeeded: $0))) }
        case "INT32": return try fixed(4) { .int(Int64(Int32(truncatingIfNeeded: $0))) }
        case "INT64": return try fixed(8) { .int(Int64(bitPattern: $0)) }
        case "UINT8", "UINT16", "UINT32":
            return try fixed(datatype == "UINT8" ? 1 : datatype == "UINT16" ? 2 : 4) { .int(Int64($0)) }
        case "UINT64":
            return try fixed(8) { value in
                guard let exact = Int64(exactly: value) else { throw KiteError.invalidArgument("\(path): \(value) is too large for Kite's integers") }
                return .int(exact)
            }
        case "FP32": return try fixed(4) { .double(Double(Float(bitPattern: UInt32(truncatingIfNeeded: $0)))) }
        case "FP64": return try fixed(8) { .double(Double(bitPattern: $0)) }
        case "BYTES":
            var values: [Scalar] = []
            var offset = 0
            while offset < bytes.count {
                guard offset + 4 <= bytes.count else { throw KiteError.invalidArgument("\(path): a BYTES element's length is cut off") }
                let length = Int(integer(offset, 4))
                guard length <= bytes.count - offset - 4 else { throw KiteError.invalidArgument("\(path): a BYTES element runs past the data") }
                let element = bytes[(base + offset + 4)..<(base + offset + 4 + length)]
                values.append(String(validating: element, as: UTF8.self).map(Scalar.string) ?? .binary(Array(element)))
                offset += 4 + length
            }
            return values
        default:
            throw KiteError.invalidArgument("\(path): datatype \(datatype) is not one Kite reads (BOOL, INT8–64, UINT8–64, FP32, FP64, BYTES)")
        }
    }

    /// A column as a binary tensor (the inverse of `decode` for the column's datatype).
    static func encode(_ column: DataColumn) -> [UInt8] {
        var out: [UInt8] = []
        func append(_ value: UInt64, _ size: Int) {
            for index in 0..<size { out.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
        }
        for row in 0..<column.count {
            switch column.scalar(at: row) {
            case .bool(let flag): out.append(flag ? 1 : 0)
            case .int(let number):
                append(UInt64(bitPattern: column.type == .int32 ? Int64(Int32(truncatingIfNeeded: number)) : number), column.type == .int32 ? 4 : 8)
            case .float(let number): append(UInt64(number.bitPattern), 4)
            case .double(let number): append(number.bitPattern, 8)
            case .null:
                switch InferenceProtocolAPI.datatype(column.type) {
                case "BOOL": out.append(0)
                case "INT32", "FP32": append(0, 4)
                case "INT64", "FP64": append(0, 8)
                default: append(0, 4)  // an empty BYTES element
                }
            case let value:
                let text = Array((ValueText.text(value) ?? "").utf8)
                append(UInt64(text.count), 4)
                out += text
            }
        }
        return out
    }
}
