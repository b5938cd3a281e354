import KiteCore
import NIOCore

/// Reads RESP2 and RESP3 values from the front of a buffer as they arrive. Every length and count is checked
/// against limits before anything is allocated, so a hostile or broken server cannot make the client crash or
/// grow without bound.
enum RESPParser {
    /// Redis's own limit on a bulk string (`proto-max-bulk-len`).
    static let maximumBulkLength = 512 * 1024 * 1024
    static let maximumElements = 1 << 24
    static let maximumDepth = 32
    /// The longest line (simple string, error, number) accepted.
    static let maximumLineLength = 1 << 20

    /// Parses one value from the front of `buffer` and moves its reader index past it; nil (and the buffer as it
    /// was) when the value is not complete yet.
    static func parse(_ buffer: inout ByteBuffer) throws -> RESPValue? {
        var cursor = buffer
        guard let value = try value(&cursor, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    private static func value(_ buffer: inout ByteBuffer, depth: Int) throws -> RESPValue? {
        guard depth < maximumDepth else { throw corrupt("values nested deeper than \(maximumDepth)") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = try line(&buffer) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return .simpleString(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: "-"): return .error(String(decoding: line, as: UTF8.self))
        case UInt8(ascii: ":"): return .integer(try integer(line))
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            let length = try integer(line)
            if length == -1 { return .null }
            guard length >= 0, length <= maximumBulkLength else { throw corrupt("a string of \(length) bytes") }
            guard buffer.readableBytes >= Int(length) + 2, let bytes = buffer.readBytes(length: Int(length)) else { return nil }
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw corrupt("a string not followed by CRLF") }
            switch type {
            case UInt8(ascii: "$"): return .bulkString(bytes)
            case UInt8(ascii: "!"): return .error(String(decoding: bytes, as: UTF8.self))
            default: return .verbatimString(String(decoding: bytes.dropFirst(bytes.count >= 4 ? 4 : 0), as: UTF8.self))
            }
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            let count = try integer(line)
            if count == -1 { return .null }
            let isMap = type == UInt8(ascii: "%") || type == UInt8(ascii: "|")
            guard count >= 0, count <= maximumElements else { throw corrupt("an aggregate of \(count) elements") }
            let total = Int(count) * (isMap ? 2 : 1)
            // Every element takes at least 3 bytes; a count the buffer cannot hold yet needs no allocation now.
            var elements: [RESPValue] = []
            elements.reserveCapacity(Swift.min(total, buffer.readableBytes / 3 + 1))
            for _ in 0..<total {
                guard let element = try value(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            switch type {
            case UInt8(ascii: "*"): return .array(elements)
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            case UInt8(ascii: "|"):
                // Attributes describe the value that follows; the value is the answer.
                return try value(&buffer, depth: depth + 1)
            default: return .map(elements)
            }
        case UInt8(ascii: "_"): return .null
        case UInt8(ascii: "#"):
            guard line.count == 1, line[0] == UInt8(ascii: "t") || line[0] == UInt8(ascii: "f") else { throw corrupt("a boolean that is not t or f") }
            return .boolean(line[0] == UInt8(ascii: "t"))
        case UInt8(ascii: ","):
            let text = String(decoding: line, as: UTF8.self)
            switch text {
            case "inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan": return .double(.nan)
            default:
                guard let number = Double(text) else { throw corrupt("'\(text)' is not a double") }
                return .double(number)
            }
        case UInt8(ascii: "("): return .bigNumber(String(decoding: line, as: UTF8.self))
        default: throw corrupt("unknown type byte 0x\(String(type, radix: 16))")
        }
    }

    /// The bytes up to the next CRLF (which is consumed), or nil when it has not arrived.
    private static func line(_ buffer: inout ByteBuffer) throws -> [UInt8]? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > maximumLineLength { throw corrupt("a line longer than \(maximumLineLength) bytes") }
            return nil
        }
        let length = newline - view.startIndex
        guard length >= 1, view[newline - 1] == UInt8(ascii: "\r") else { throw corrupt("a line not ended by CRLF") }
        guard let bytes = buffer.readBytes(length: length - 1) else { return nil }
        buffer.moveReaderIndex(forwardBy: 2)
        return bytes
    }

    private static func integer(_ line: [UInt8]) throws -> Int64 {
        var negative = false
        var digits = line[...]
        if digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        } else if digits.first == UInt8(ascii: "+") {
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 19 else { throw corrupt("'\(String(decoding: line, as: UTF8.self))' is not an integer") }
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else {
                throw corrupt("'\(String(decoding: line, as: UTF8.self))' is not an integer")
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw corrupt("'\(String(decoding: line, as: UTF8.self))' does not fit 64 bits") }
            value = sum
        }
        return negative ? -value : value
    }

    private static func corrupt(_ what: String) -> KiteError {
        KiteError(.corruptData, "Redis sent \(what); the connection is closed")
    }
}
