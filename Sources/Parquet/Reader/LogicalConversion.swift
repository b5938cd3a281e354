import Foundation
import KiteCore

/// Turns a leaf's physical values into Kite's type for it: timestamps to microseconds, decimals to doubles,
/// unsigned 32-bit integers to int64.
enum LogicalConversion {
    static func convert(
        _ values: DataColumn.Values, validity: Bitmap?, column: ParquetColumn, to type: DataType
    ) throws -> DataColumn {
        let converted: DataColumn.Values
        switch (type, values, column.logicalType) {
        case (.timestamp, .int64(let raw), .timestamp(let unit, _)?):
            switch unit {
            case .micros: converted = values
            case .nanos: converted = .int64(raw.map { Timestamp.floorDivide($0, 1000).quotient })
            case .millis:
                var out = [Int64](repeating: 0, count: raw.count)
                for i in raw.indices {
                    let (v, overflow) = raw[i].multipliedReportingOverflow(by: 1000)
                    guard !overflow else {
                        throw KiteError.corrupt("column '\(column.name)': timestamp \(raw[i]) ms is out of range")
                    }
                    out[i] = v
                }
                converted = .int64(out)
            }
        case (.float32, .bytes(let offsets, let data), .float16?):
            guard offsets.count > 0, data.count == 2 * (offsets.count - 1) else {
                throw KiteError.corrupt("column '\(column.name)': FLOAT16 values must be 2 bytes")
            }
            converted = .float32((0..<(offsets.count - 1)).map { halfToFloat(UInt16(data[2 * $0]) | UInt16(data[2 * $0 + 1]) << 8) })
        case (.int64, .int64(let raw), .integer(64, false)?):
            // Kite has no unsigned 64-bit type: values up to Int64.max read exactly, larger ones are refused.
            if let index = raw.indices.first(where: { raw[$0] < 0 && (validity?[$0] ?? true) }) {
                throw KiteError.unsupported(
                    "column '\(column.name)' holds the unsigned value \(UInt64(bitPattern: raw[index])), above the int64 range Kite reads")
            }
            converted = values
        case (.int64, .int32(let raw), _):
            converted = .int64(raw.map { Int64(UInt32(bitPattern: $0)) })
        case (.float64, _, .decimal(let scale, _)?):
            let divisor = pow(10.0, Double(scale))
            switch values {
            case .int32(let raw): converted = .float64(raw.map { Double($0) / divisor })
            case .int64(let raw): converted = .float64(raw.map { Double($0) / divisor })
            case .bytes(let offsets, let data):
                converted = .float64(
                    (0..<(offsets.count - 1)).map { i in
                        bigEndianSigned(data[offsets[i]..<offsets[i + 1]]) / divisor
                    })
            default: throw KiteError.corrupt("column '\(column.name)': DECIMAL on an unexpected physical type")
            }
        default:
            converted = values
        }
        return try DataColumn(type: type, values: converted, validity: validity)
    }

    /// The value of an IEEE 754 half-precision number.
    static func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1f)
        let fraction = Float(bits & 0x3ff)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// The value of a big-endian two's-complement integer of any length, as a Double.
    static func bigEndianSigned(_ bytes: ArraySlice<UInt8>) -> Double {
        guard let first = bytes.first else { return 0 }
        let negative = first & 0x80 != 0
        var value = 0.0
        for byte in bytes { value = value * 256 + Double(negative ? ~byte : byte) }
        return negative ? -(value + 1) : value
    }
}
