/// Reads CSV text with a header row into a `DataFrame`, inferring column types or taking them from a schema.
///
/// Inference picks, per column, the narrowest of bool, int64, float64, date, timestamp that every non-empty
/// field parses as, and string otherwise. Empty fields are null.
public enum CSVReader {
    /// Parses `bytes` as CSV. With `schema`, the header must name its fields (in any order, all present).
    public static func read(_ bytes: [UInt8], schema: Schema? = nil) throws -> DataFrame {
        let records = try parseRecords(bytes)
        guard let header = records.first else { throw KiteError.invalidArgument("the CSV input is empty (no header row)") }
        let names = header.map { String(decoding: $0 ?? [], as: UTF8.self) }
        let rows = records.dropFirst()
        for (number, record) in rows.enumerated() where record.count != names.count {
            throw KiteError.invalidArgument("CSV line \(number + 2) has \(record.count) fields; the header has \(names.count)")
        }
        var fields: [Field] = []
        var columns: [DataColumn] = []
        for (index, name) in names.enumerated() {
            let texts = rows.map { $0[index].map { String(decoding: $0, as: UTF8.self) } }
            let type: DataType
            if let schema {
                guard let field = schema.fields.first(where: { $0.name == name }) else {
                    throw KiteError.invalidArgument("CSV column '\(name)' is not in the given schema")
                }
                type = field.type
            } else {
                type = infer(texts)
            }
            columns.append(try column(texts, type: type, name: name))
            fields.append(Field(name, type))
        }
        if let schema, let missing = schema.fields.first(where: { !names.contains($0.name) }) {
            throw KiteError.invalidArgument("the CSV has no column '\(missing.name)' named in the schema")
        }
        return try DataFrame(schema: Schema(fields), columns: columns)
    }

    /// The records of CSV text as strings (nil for an empty unquoted field), header included.
    public static func records(_ bytes: [UInt8]) throws -> [[String?]] {
        try parseRecords(bytes).map { $0.map { $0.map { String(decoding: $0, as: UTF8.self) } } }
    }

    /// Splits CSV into records of fields (nil for an empty unquoted field), honouring quotes.
    static func parseRecords(_ bytes: [UInt8]) throws -> [[[UInt8]?]] {
        var records: [[[UInt8]?]] = []
        var record: [[UInt8]?] = []
        var field: [UInt8] = []
        var quoted = false
        var inQuotes = false
        var i = 0
        let quote = UInt8(ascii: "\"")
        let comma = UInt8(ascii: ",")
        let newline = UInt8(ascii: "\n")
        let cr = UInt8(ascii: "\r")
        func endField() {
            record.append(field.isEmpty && !quoted ? nil : field)
            field = []
            quoted = false
        }
        while i < bytes.count {
            let byte = bytes[i]
            if inQuotes {
                if byte == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        field.append(quote)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == quote && field.isEmpty {
                inQuotes = true
                quoted = true
            } else if byte == comma {
                endField()
            } else if byte == newline || byte == cr {
                if byte == cr && i + 1 < bytes.count && bytes[i + 1] == newline { i += 1 }
                endField()
                records.append(record)
                record = []
            } else {
                field.append(byte)
            }
            i += 1
        }
        guard !inQuotes else { throw KiteError.invalidArgument("the CSV ends inside a quoted field") }
        if !field.isEmpty || quoted || !record.isEmpty {
            endField()
            records.append(record)
        }
        return records
    }

    static func infer(_ texts: [String?]) -> DataType {
        let present = texts.compactMap { $0 }
        if present.isEmpty { return .string }
        if present.allSatisfy({ $0 == "true" || $0 == "false" || $0 == "True" || $0 == "False" }) { return .bool }
        if present.allSatisfy({ Int64($0) != nil }) { return .int64 }
        if present.allSatisfy({ Double($0) != nil || ["NaN", "Infinity", "-Infinity"].contains($0) }) { return .float64 }
        if present.allSatisfy({ $0.utf8.count == 10 && (try? Timestamp.parseDate($0)) != nil }) { return .date }
        if present.allSatisfy({ $0.utf8.count > 10 && (try? Timestamp.parse($0)) != nil }) { return .timestamp }
        return .string
    }

    static func column(_ texts: [String?], type: DataType, name: String) throws -> DataColumn {
        func each<T>(_ parse: (String) -> T?) throws -> [T?] {
            try texts.enumerated().map { row, text in
                guard let text else { return nil }
                guard let value = parse(text) else {
                    throw KiteError.invalidArgument("CSV line \(row + 2), column '\(name)': '\(text)' is not a \(type)")
                }
                return value
            }
        }
        func double(_ text: String) -> Double? {
            switch text {
            case "NaN": .nan
            case "Infinity": .infinity
            case "-Infinity": -.infinity
            default: Double(text)
            }
        }
        switch type {
        case .bool: return .bools(try each { ["true", "True", "1"].contains($0) ? true : (["false", "False", "0"].contains($0) ? false : nil) })
        case .int32: return .int32s(try each { Int32($0) })
        case .int64: return .int64s(try each { Int64($0) })
        case .float32: return .float32s(try each { double($0).map(Float.init) })
        case .float64: return .float64s(try each(double))
        case .string: return .strings(texts)
        case .binary: return .binaries(texts.map { $0.map { Array($0.utf8) } })
        case .timestamp: return .timestamps(try each { try? Timestamp.parse($0) })
        case .date: return .dates(try each { try? Timestamp.parseDate($0) })
        }
    }
}
