import KiteCore

/// Where a `ColumnChunkDecoder` puts what it decodes from a chunk's pages.
protocol ColumnSink {
    /// Records the validity of `levels.count` rows (valid where the level is `maxLevel`); returns how many are.
    mutating func appendLevels(_ levels: [UInt32], maxLevel: UInt32) -> Int
    /// Records `count` rows that all hold values.
    mutating func appendValid(_ count: Int)
    /// Appends the values of a page that stores them (not dictionary indices).
    mutating func append(_ page: DataColumn.Values) throws
    /// Starts a chunk's dictionary; the indices appended next refer to it.
    mutating func startDictionary(_ dictionary: DataColumn.Values) throws
    /// Appends values by their indices into the current dictionary (each below its count).
    mutating func appendIndices(_ indices: [UInt32]) throws
}

/// Accumulates one column's values across pages and row groups: the non-null values densely, and validity.
///
/// Each storage kind has its own stored array so appends mutate in place (an enum payload would be copied).
struct ColumnBuilder: ColumnSink {
    private let type: PhysicalType
    private var bools: [Bool] = []
    private var int32s: [Int32] = []
    private var int64s: [Int64] = []
    private var float32s: [Float] = []
    private var float64s: [Double] = []
    private var offsets: [Int] = [0]
    private var bytes: [UInt8] = []
    private var validity: Bitmap?
    private var dictionary: DataColumn.Values?
    /// Rows so far, null or not.
    private(set) var rowCount = 0
    /// Rows the caller expects in all, for sizing the byte buffer of strings.
    private let expectedRows: Int

    /// An empty builder for the storage of `type`; `capacity` rows are reserved.
    init(type: PhysicalType, capacity: Int) {
        self.type = type
        expectedRows = capacity
        switch type {
        case .boolean: bools.reserveCapacity(capacity)
        case .int32: int32s.reserveCapacity(capacity)
        case .int64, .int96: int64s.reserveCapacity(capacity)
        case .float: float32s.reserveCapacity(capacity)
        case .double: float64s.reserveCapacity(capacity)
        case .byteArray, .fixedLenByteArray: offsets.reserveCapacity(capacity + 1)
        }
    }

    mutating func appendLevels(_ levels: [UInt32], maxLevel: UInt32) -> Int {
        var valid = 0
        for level in levels where level == maxLevel { valid += 1 }
        if valid < levels.count && validity == nil {
            validity = Bitmap(repeating: true, count: rowCount)
            validity?.reserveCapacity(expectedRows)
        }
        if validity != nil {
            validity?.append(contentsOf: levels.map { $0 == maxLevel })
        }
        rowCount += levels.count
        return valid
    }

    mutating func appendValid(_ count: Int) {
        if validity != nil {
            for _ in 0..<count { validity?.append(true) }
        }
        rowCount += count
    }

    private func mismatch() -> KiteError {
        KiteError.corrupt("a page decoded to values of another type than its \(type) column")
    }

    mutating func append(_ page: DataColumn.Values) throws {
        switch (type, page) {
        case (.boolean, .bool(let b)): bools.append(contentsOf: b)
        case (.int32, .int32(let b)): int32s.append(contentsOf: b)
        case (.int64, .int64(let b)), (.int96, .int64(let b)): int64s.append(contentsOf: b)
        case (.float, .float32(let b)): float32s.append(contentsOf: b)
        case (.double, .float64(let b)): float64s.append(contentsOf: b)
        case (.byteArray, .bytes(let pageOffsets, let pageData)), (.fixedLenByteArray, .bytes(let pageOffsets, let pageData)):
            let base = bytes.count
            reserveBytes(pageData.count)
            bytes.append(contentsOf: pageData)
            for offset in pageOffsets.dropFirst() { offsets.append(base + offset) }
        default:
            throw mismatch()
        }
    }

    mutating func startDictionary(_ dictionary: DataColumn.Values) throws {
        self.dictionary = dictionary
    }

    mutating func appendIndices(_ indices: [UInt32]) throws {
        guard let dictionary else { throw KiteError.corrupt("dictionary indices without a dictionary") }
        func gather<T>(_ a: inout [T], _ d: [T]) {
            // One append of the lazily gathered values: appending one by one checked the array's uniqueness and
            // capacity per value.
            d.withUnsafeBufferPointer { d in a.append(contentsOf: indices.lazy.map { d[Int($0)] }) }
        }
        switch (type, dictionary) {
        case (.boolean, .bool(let d)): gather(&bools, d)
        case (.int32, .int32(let d)): gather(&int32s, d)
        case (.int64, .int64(let d)), (.int96, .int64(let d)): gather(&int64s, d)
        case (.float, .float32(let d)): gather(&float32s, d)
        case (.double, .float64(let d)): gather(&float64s, d)
        case (.byteArray, .bytes(let dOffsets, let dData)), (.fixedLenByteArray, .bytes(let dOffsets, let dData)):
            var total = 0
            for i in indices { total += dOffsets[Int(i) + 1] - dOffsets[Int(i)] }
            let start = bytes.count
            reserveBytes(total)
            bytes.append(contentsOf: repeatElement(0, count: total))
            bytes.withUnsafeMutableBufferPointer { out in
                dData.withUnsafeBufferPointer { source in
                    guard let out = out.baseAddress, let source = source.baseAddress else {
                        // Only empty values: offsets still advance.
                        for _ in indices { offsets.append(start) }
                        return
                    }
                    var position = start
                    for i in indices {
                        let from = dOffsets[Int(i)]
                        let length = dOffsets[Int(i) + 1] - from
                        if length <= 32 {
                            // Short strings (the common case): a plain loop beats a call to memmove.
                            for k in 0..<length { out[position + k] = source[from + k] }
                        } else {
                            (out + position).update(from: source + from, count: length)
                        }
                        position += length
                        offsets.append(position)
                    }
                }
            }
        default:
            throw mismatch()
        }
    }

    /// Grows the byte buffer so `extra` more bytes fit, sized for the rows still to come at the average so far.
    private mutating func reserveBytes(_ extra: Int) {
        let needed = bytes.count + extra
        guard needed > bytes.capacity else { return }
        let perRow = Double(needed) / Double(Swift.max(rowCount, 1))
        let estimate = Int(perRow * Double(Swift.max(expectedRows, rowCount)) * 1.05)
        bytes.reserveCapacity(Swift.max(needed, Swift.min(estimate, needed * 4)))
    }

    /// The values spread over all rows (placeholders in null rows) and the validity.
    func finish() -> (values: DataColumn.Values, validity: Bitmap?) {
        let values: DataColumn.Values
        switch type {
        case .boolean: values = .bool(bools)
        case .int32: values = .int32(int32s)
        case .int64, .int96: values = .int64(int64s)
        case .float: values = .float32(float32s)
        case .double: values = .float64(float64s)
        case .byteArray, .fixedLenByteArray: values = .bytes(offsets: offsets, data: bytes)
        }
        guard let validity else { return (values, nil) }
        return (DataColumn(storage: values).scattered(validity: validity).values, validity)
    }
}
