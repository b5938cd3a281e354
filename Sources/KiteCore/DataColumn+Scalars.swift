extension DataColumn {
    /// A column of `type` from scalars (for requests and small results; bulk work builds typed arrays). Numbers
    /// convert between integer and floating types when no precision is lost; anything else is an error naming
    /// the row.
    public init(scalars: [Scalar], type: DataType) throws {
        func fail(_ row: Int, _ value: Scalar) -> KiteError {
            KiteError.invalidArgument("value \(row + 1) (\(value)) is not a \(type)")
        }
        func integer(_ row: Int, _ value: Scalar) throws -> Int64? {
            switch value {
            case .null: return nil
            case .int(let number): return number
            case .double(let number):
                guard let exact = Int64(exactly: number) else { throw fail(row, value) }
                return exact
            case .float(let number):
                guard let exact = Int64(exactly: number) else { throw fail(row, value) }
                return exact
            default: throw fail(row, value)
            }
        }
        func real(_ row: Int, _ value: Scalar) throws -> Double? {
            switch value {
            case .null: return nil
            case .int(let number): return Double(number)
            case .double(let number): return number
            case .float(let number): return Double(number)
            default: throw fail(row, value)
            }
        }
        switch type {
        case .bool:
            self = .bools(
                try scalars.enumerated().map { row, value in
                    switch value {
                    case .null: return nil
                    case .bool(let flag): return flag
                    default: throw fail(row, value)
                    }
                })
        case .int32:
            self = .int32s(
                try scalars.enumerated().map { row, value in
                    guard let number = try integer(row, value) else { return nil }
                    guard let narrow = Int32(exactly: number) else { throw fail(row, value) }
                    return narrow
                })
        case .int64: self = .int64s(try scalars.enumerated().map { try integer($0, $1) })
        case .float32: self = .float32s(try scalars.enumerated().map { try real($0, $1).map(Float.init) })
        case .float64: self = .float64s(try scalars.enumerated().map { try real($0, $1) })
        case .string:
            self = .strings(
                try scalars.enumerated().map { row, value in
                    switch value {
                    case .null: return nil
                    case .string(let text): return text
                    default: throw fail(row, value)
                    }
                })
        case .binary:
            self = .binaries(
                try scalars.enumerated().map { row, value in
                    switch value {
                    case .null: return nil
                    case .binary(let bytes): return bytes
                    case .string(let text): return Array(text.utf8)
                    default: throw fail(row, value)
                    }
                })
        case .timestamp:
            self = .timestamps(
                try scalars.enumerated().map { row, value in
                    switch value {
                    case .null: return nil
                    case .timestamp(let micros): return micros
                    case .string(let text): return try Timestamp.parse(text)
                    default: throw fail(row, value)
                    }
                })
        case .date:
            self = .dates(
                try scalars.enumerated().map { row, value in
                    switch value {
                    case .null: return nil
                    case .date(let days): return days
                    case .string(let text): return try Timestamp.parseDate(text)
                    default: throw fail(row, value)
                    }
                })
        }
    }
}
