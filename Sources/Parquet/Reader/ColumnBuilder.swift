import KiteCore

/// Accumulates one column's values across pages and row groups: the non-null values densely, and validity.
struct ColumnBuilder {
    /// The non-null values so far.
    private(set) var values: DataColumn.Values
    private var validity: Bitmap?
    /// Rows so far, null or not.
    private(set) var rowCount = 0

    /// An empty builder for the storage of `type`; `capacity` rows are reserved.
    init(type: PhysicalType, capacity: Int) {
        switch type {
        case .boolean: values = .bool([])
        case .int32: values = .int32([])
        case .int64, .int96: values = .int64([])
        case .float: values = .float32([])
        case .double: values = .float64([])
        case .byteArray, .fixedLenByteArray: values = .bytes(offsets: [0], data: [])
        }
        reserve(capacity)
    }

    private mutating func reserve(_ capacity: Int) {
        switch values {
        case .bool(var a): values = .bool([]); a.reserveCapacity(capacity); values = .bool(a)
        case .int32(var a): values = .int32([]); a.reserveCapacity(capacity); values = .int32(a)
        case .int64(var a): values = .int64([]); a.reserveCapacity(capacity); values = .int64(a)
        case .float32(var a): values = .float32([]); a.reserveCapacity(capacity); values = .float32(a)
        case .float64(var a): values = .float64([]); a.reserveCapacity(capacity); values = .float64(a)
        case .bytes(var offsets, let data):
            values = .bool([])
            offsets.reserveCapacity(capacity + 1)
            values = .bytes(offsets: offsets, data: data)
        }
    }

    /// Records the validity of `levels.count` rows (valid where the level is `maxLevel`); returns how many are.
    mutating func appendLevels(_ levels: [UInt32], maxLevel: UInt32) -> Int {
        var valid = 0
        for level in levels where level == maxLevel { valid += 1 }
        if valid < levels.count || validity != nil {
            var bits = validity ?? Bitmap(repeating: true, count: rowCount)
            validity = nil
            for level in levels { bits.append(level == maxLevel) }
            validity = bits
        }
        rowCount += levels.count
        return valid
    }

    /// Records `count` rows that all hold values.
    mutating func appendValid(_ count: Int) {
        if var bits = validity {
            validity = nil
            for _ in 0..<count { bits.append(true) }
            validity = bits
        }
        rowCount += count
    }

    /// Appends decoded values of the same storage kind.
    mutating func append(_ page: DataColumn.Values) throws {
        switch (values, page) {
        case (.bool(var a), .bool(let b)): values = .bool([]); a.append(contentsOf: b); values = .bool(a)
        case (.int32(var a), .int32(let b)): values = .int32([]); a.append(contentsOf: b); values = .int32(a)
        case (.int64(var a), .int64(let b)): values = .int64([]); a.append(contentsOf: b); values = .int64(a)
        case (.float32(var a), .float32(let b)): values = .float32([]); a.append(contentsOf: b); values = .float32(a)
        case (.float64(var a), .float64(let b)): values = .float64([]); a.append(contentsOf: b); values = .float64(a)
        case (.bytes(var offsets, var data), .bytes(let pageOffsets, let pageData)):
            values = .bool([])
            let base = data.count
            data.append(contentsOf: pageData)
            offsets.reserveCapacity(offsets.count + pageOffsets.count)
            for offset in pageOffsets.dropFirst() { offsets.append(base + offset) }
            values = .bytes(offsets: offsets, data: data)
        default:
            throw KiteError.corrupt("a page decoded to values of another type than its column")
        }
    }

    /// Appends `dictionary[i]` for every index; indices must be below the dictionary's count.
    mutating func appendGathered(_ dictionary: DataColumn.Values, _ indices: [UInt32]) throws {
        func gather<T>(_ a: inout [T], _ d: [T]) {
            d.withUnsafeBufferPointer { d in
                a.reserveCapacity(a.count + indices.count)
                for i in indices { a.append(d[Int(i)]) }
            }
        }
        switch (values, dictionary) {
        case (.bool(var a), .bool(let d)): values = .bool([]); gather(&a, d); values = .bool(a)
        case (.int32(var a), .int32(let d)): values = .int32([]); gather(&a, d); values = .int32(a)
        case (.int64(var a), .int64(let d)): values = .int64([]); gather(&a, d); values = .int64(a)
        case (.float32(var a), .float32(let d)): values = .float32([]); gather(&a, d); values = .float32(a)
        case (.float64(var a), .float64(let d)): values = .float64([]); gather(&a, d); values = .float64(a)
        case (.bytes(var offsets, var data), .bytes(let dOffsets, let dData)):
            values = .bool([])
            var total = 0
            for i in indices { total += dOffsets[Int(i) + 1] - dOffsets[Int(i)] }
            let start = data.count
            data.append(contentsOf: repeatElement(0, count: total))
            offsets.reserveCapacity(offsets.count + indices.count)
            data.withUnsafeMutableBytes { out in
                dData.withUnsafeBytes { source in
                    var position = start
                    for i in indices {
                        let from = dOffsets[Int(i)]
                        let length = dOffsets[Int(i) + 1] - from
                        if length > 0 {
                            out.baseAddress!.advanced(by: position).copyMemory(
                                from: source.baseAddress!.advanced(by: from), byteCount: length)
                        }
                        position += length
                        offsets.append(position)
                    }
                }
            }
            values = .bytes(offsets: offsets, data: data)
        default:
            throw KiteError.corrupt("a dictionary holds values of another type than its column")
        }
    }

    /// The values spread over all rows (placeholders in null rows) and the validity.
    func finish() -> (values: DataColumn.Values, validity: Bitmap?) {
        guard let validity else { return (values, nil) }
        return (DataColumn(storage: values).scattered(validity: validity).values, validity)
    }
}
