import KiteCore

/// Accumulates a byte-array column as a `CodedColumn`: each chunk's dictionary appended to the values once and its
/// indices offset to match; a plain page's values appended one per row.
struct CodedColumnBuilder: ColumnSink {
    private var codes: ColumnBuilder
    private var values: ColumnBuilder
    /// Where the current chunk's dictionary starts among the values.
    private var base: Int32 = 0

    /// An empty builder for a column of `type` (a byte array) with `capacity` rows.
    init(type: PhysicalType, capacity: Int) {
        codes = ColumnBuilder(type: .int32, capacity: capacity)
        values = ColumnBuilder(type: type, capacity: 0)
    }

    mutating func appendLevels(_ levels: [UInt32], maxLevel: UInt32) -> Int { codes.appendLevels(levels, maxLevel: maxLevel) }

    mutating func appendValid(_ count: Int) { codes.appendValid(count) }

    mutating func append(_ page: DataColumn.Values) throws {
        let start = try appendValues(page)
        try codes.append(.int32(Array(start..<start + Int32(page.count))))
    }

    mutating func startDictionary(_ dictionary: DataColumn.Values) throws { base = try appendValues(dictionary) }

    mutating func appendIndices(_ indices: [UInt32]) throws {
        try codes.append(.int32(indices.map { [base] index in base + Int32(index) }))
    }

    /// Appends `page` to the values; returns the index of its first.
    private mutating func appendValues(_ page: DataColumn.Values) throws -> Int32 {
        let start = values.rowCount
        guard page.count <= Int(Int32.max) - start else {
            throw KiteError.unsupported("a column chunk of more than \(Int32.max) values cannot be read as codes")
        }
        values.appendValid(page.count)
        try values.append(page)
        return Int32(start)
    }

    /// The column read: codes -1 in null rows.
    func finish() throws -> CodedColumn {
        let (codeValues, validity) = codes.finish()
        guard case .int32(var rowCodes) = codeValues, case .bytes(let offsets, let data) = values.finish().values else {
            throw KiteError.corrupt("a column read as codes holds values of another type")
        }
        if let validity {
            for row in rowCodes.indices where !validity[row] { rowCodes[row] = -1 }
        }
        return CodedColumn(offsets: offsets, data: data, codes: rowCodes)
    }
}
