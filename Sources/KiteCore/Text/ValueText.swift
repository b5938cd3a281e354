import Foundation

/// How single values are written as text at Kite's edges (CSV, JSON lines, tables).
public enum ValueText {
    /// The text of a value: RFC 3339 timestamps with microseconds and `Z`, `YYYY-MM-DD` dates, base64 binary,
    /// `NaN`/`Infinity`/`-Infinity` for non-finite floats, shortest round-trip form for other floats.
    /// Null is `nil`.
    public static func text(_ scalar: Scalar) -> String? {
        switch scalar {
        case .null: nil
        case .bool(let v): v ? "true" : "false"
        case .int(let v): String(v)
        case .float(let v): floatText(Double(v), shortest: v.description)
        case .double(let v): floatText(v, shortest: v.description)
        case .string(let v): v
        case .binary(let v): Data(v).base64EncodedString()
        case .timestamp(let v): Timestamp.format(v)
        case .date(let v): Timestamp.formatDate(v)
        }
    }

    private static func floatText(_ value: Double, shortest: String) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return shortest
    }

    /// The JSON text of a value: numbers as numbers, null as null, everything else as a JSON string.
    public static func json(_ scalar: Scalar) -> String {
        switch scalar {
        case .null: return "null"
        case .bool, .int: return text(scalar) ?? "null"
        case .float(let v) where v.isFinite: return text(scalar) ?? "null"
        case .double(let v) where v.isFinite: return text(scalar) ?? "null"
        default: return quoted(text(scalar) ?? "")
        }
    }

    /// A JSON string literal.
    public static func quoted(_ string: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count + 2)
        appendQuoted(string, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends `string` as a JSON string literal to UTF-8 `bytes`.
    public static func appendQuoted(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var text = string
        text.withUTF8 { utf8 in
            // Most strings need no escape: copy them in one go.
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case 0..<0x20: bytes += Array("\\u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]]
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
