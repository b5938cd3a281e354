import Foundation
import KiteCore

/// A reader of Universal Binary JSON (ubjson.org) as XGBoost writes it (`model.ubj`, MLflow's default for
/// XGBoost): big-endian numbers, strings and object keys prefixed by their length, and typed arrays
/// (`[$d#L…`) of packed numbers. Produces what `JSONSerialization` would for the same JSON — dictionaries,
/// arrays, `NSNumber`s, strings, `NSNull` — so one model reader serves both. Every length is checked against
/// the bytes left.
struct UBJSON {
    private let bytes: [UInt8]
    private var position = 0
    private let source: String

    /// Reads the one value in `data`.
    static func decode(_ data: Data, source: String) throws -> Any {
        var reader = UBJSON(bytes: Array(data), source: source)
        let marker = try reader.byte()
        return try reader.value(marker, depth: 0)
    }

    private init(bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.source = source
    }

    private func fail(_ message: String) -> KiteError { KiteError.corrupt("\(source) is not valid UBJSON at byte \(position): \(message)") }

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("it ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw fail("a length of \(count) runs past the end") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private mutating func unsigned(_ width: Int) throws -> UInt64 {
        try take(width).reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The number a numeric marker introduces.
    private mutating func number(_ marker: UInt8) throws -> Any {
        switch marker {
        case UInt8(ascii: "i"): return NSNumber(value: Int8(truncatingIfNeeded: try unsigned(1)))
        case UInt8(ascii: "U"): return NSNumber(value: UInt8(try unsigned(1)))
        case UInt8(ascii: "I"): return NSNumber(value: Int16(truncatingIfNeeded: try unsigned(2)))
        case UInt8(ascii: "l"): return NSNumber(value: Int32(truncatingIfNeeded: try unsigned(4)))
        case UInt8(ascii: "L"): return NSNumber(value: Int64(bitPattern: try unsigned(8)))
        case UInt8(ascii: "d"): return NSNumber(value: Double(Float(bitPattern: UInt32(try unsigned(4)))))
        case UInt8(ascii: "D"): return NSNumber(value: Double(bitPattern: try unsigned(8)))
        default: throw fail("'\(Character(Unicode.Scalar(marker)))' is not a number marker")
        }
    }

    /// A length or count: an integer of any width, not negative.
    private mutating func length() throws -> Int {
        guard let value = (try number(try byte()) as? NSNumber)?.int64Value, value >= 0, value <= Int64(bytes.count) * 8 + 8 else {
            throw fail("a length is negative or too large")
        }
        return Int(value)
    }

    private mutating func string() throws -> String {
        let count = try length()
        return String(decoding: try take(count), as: UTF8.self)
    }

    private mutating func value(_ marker: UInt8, depth: Int) throws -> Any {
        guard depth < 512 else { throw fail("values nest deeper than 512") }
        switch marker {
        case UInt8(ascii: "Z"): return NSNull()
        case UInt8(ascii: "T"): return true
        case UInt8(ascii: "F"): return false
        case UInt8(ascii: "S"), UInt8(ascii: "H"): return try string()
        case UInt8(ascii: "C"): return String(Character(Unicode.Scalar(try byte())))
        case UInt8(ascii: "["): return try container(depth: depth, object: false)
        case UInt8(ascii: "{"): return try container(depth: depth, object: true)
        default: return try number(marker)
        }
    }

    /// An array or object, in the plain form (values until `]`/`}`) or the optimized one (`$type` and `#count`).
    private mutating func container(depth: Int, object: Bool) throws -> Any {
        var type: UInt8?
        var count: Int?
        if position < bytes.count, bytes[position] == UInt8(ascii: "$") {
            position += 1
            type = try byte()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "#") else { throw fail("a typed container has no count") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "#") {
            position += 1
            count = try length()
        }
        var items: [Any] = []
        var pairs: [String: Any] = [:]
        var index = 0
        while true {
            if let count {
                if index == count { break }
            } else if position < bytes.count, bytes[position] == UInt8(ascii: object ? "}" : "]") {
                position += 1
                break
            }
            let key = object ? try string() : ""
            let item = try value(try type ?? byte(), depth: depth + 1)
            if object { pairs[key] = item } else { items.append(item) }
            index += 1
        }
        return object ? pairs : items
    }
}
