/// A typed, contiguous column of values with an optional validity bitmap (nil means no nulls).
///
/// Null slots hold a placeholder (zero, false or the empty string) so the value arrays stay dense.
/// Strings and binary values are stored Arrow-style: `offsets` (count + 1 entries) into one UTF-8 byte array.
public struct DataColumn: Sendable {
    /// The physical storage of a column's values.
    public enum Values: Sendable {
        case bool([Bool])
        /// `int32` and `date` columns.
        case int32([Int32])
        /// `int64` and `timestamp` columns.
        case int64([Int64])
        case float32([Float])
        case float64([Double])
        /// `string` and `binary` columns: value `i` is `data[offsets[i]..<offsets[i + 1]]`.
        case bytes(offsets: [Int], data: [UInt8])

        /// The number of values.
        public var count: Int {
            switch self {
            case .bool(let a): a.count
            case .int32(let a): a.count
            case .int64(let a): a.count
            case .float32(let a): a.count
            case .float64(let a): a.count
            case .bytes(let offsets, _): Swift.max(offsets.count - 1, 0)
            }
        }

        /// Storage of the same kind holding `count` placeholder values (zero, false, empty).
        public func withPlaceholders(_ count: Int) -> Values {
            switch self {
            case .bool: .bool(Array(repeating: false, count: count))
            case .int32: .int32(Array(repeating: 0, count: count))
            case .int64: .int64(Array(repeating: 0, count: count))
            case .float32: .float32(Array(repeating: 0, count: count))
            case .float64: .float64(Array(repeating: 0, count: count))
            case .bytes: .bytes(offsets: Array(repeating: 0, count: count + 1), data: [])
            }
        }

        /// The array of a `bool` column, else nil.
        public var bools: [Bool]? { if case .bool(let a) = self { a } else { nil } }
        /// The array of an `int32` or `date` column, else nil.
        public var int32s: [Int32]? { if case .int32(let a) = self { a } else { nil } }
        /// The array of an `int64` or `timestamp` column, else nil.
        public var int64s: [Int64]? { if case .int64(let a) = self { a } else { nil } }
        /// The array of a `float32` column, else nil.
        public var float32s: [Float]? { if case .float32(let a) = self { a } else { nil } }
        /// The array of a `float64` column, else nil.
        public var float64s: [Double]? { if case .float64(let a) = self { a } else { nil } }
    }

    /// The logical type.
    public let type: DataType
    /// The values, including placeholders in null slots.
    public let values: Values
    /// Which rows are valid; `nil` when every row is.
    public let validity: Bitmap?

    /// Creates a column, checking that the storage fits the type and the bitmap fits the values.
    public init(type: DataType, values: Values, validity: Bitmap? = nil) throws {
        let fits: Bool
        switch (type, values) {
        case (.bool, .bool), (.int32, .int32), (.date, .int32), (.int64, .int64), (.timestamp, .int64),
            (.float32, .float32), (.float64, .float64), (.string, .bytes), (.binary, .bytes):
            fits = true
        default:
            fits = false
        }
        guard fits else { throw KiteError(.mismatch, "storage does not fit a \(type) column") }
        if case .bytes(let offsets, let data) = values {
            guard let first = offsets.first, first == 0, offsets.last == data.count else {
                throw KiteError(.mismatch, "string offsets must start at 0 and end at the data size")
            }
        }
        if let validity, validity.count != values.count {
            throw KiteError(.mismatch, "validity has \(validity.count) bits for \(values.count) values")
        }
        self.type = type
        self.values = values
        self.validity = validity.flatMap { $0.clearCount == 0 ? nil : $0 }
    }

    /// The number of rows.
    public var count: Int { values.count }

    /// The number of null rows.
    public var nullCount: Int { validity?.clearCount ?? 0 }

    /// Whether row `index` is null.
    public func isNull(_ index: Int) -> Bool { validity.map { !$0[index] } ?? false }

    /// The value at `index` as a `Scalar` (slow; for display and tests).
    public func scalar(at index: Int) -> Scalar {
        if isNull(index) { return .null }
        switch values {
        case .bool(let a): return .bool(a[index])
        case .int32(let a): return type == .date ? .date(a[index]) : .int(Int64(a[index]))
        case .int64(let a): return type == .timestamp ? .timestamp(a[index]) : .int(a[index])
        case .float32(let a): return .float(a[index])
        case .float64(let a): return .double(a[index])
        case .bytes(let offsets, let data):
            let bytes = Array(data[offsets[index]..<offsets[index + 1]])
            return type == .string ? .string(String(decoding: bytes, as: UTF8.self)) : .binary(bytes)
        }
    }

    /// The string at `index` of a `string` or `binary` column (empty for null rows).
    public func string(at index: Int) -> String {
        guard case .bytes(let offsets, let data) = values else { return "" }
        return data.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offsets[index]..<offsets[index + 1]]), as: UTF8.self)
        }
    }

    /// The column's values as `Double`, with NaN for nulls and for values that are not numbers.
    ///
    /// Booleans become 0 and 1; timestamps their microseconds; dates their days; strings NaN.
    public func doubles() -> [Double] {
        var result: [Double]
        switch values {
        case .bool(let a): result = a.map { $0 ? 1 : 0 }
        case .int32(let a): result = a.map { Double($0) }
        case .int64(let a): result = a.map { Double($0) }
        case .float32(let a): result = a.map { Double($0) }
        case .float64(let a): result = a
        case .bytes: result = [Double](repeating: .nan, count: count)
        }
        if let validity {
            for i in 0..<result.count where !validity[i] { result[i] = .nan }
        }
        return result
    }
}

extension DataColumn {
    /// A `bool` column from optionals (nil is null).
    public static func bools(_ values: [Bool?]) -> DataColumn {
        make(.bool, values, placeholder: false) { .bool($0) }
    }

    /// An `int32` column from optionals.
    public static func int32s(_ values: [Int32?]) -> DataColumn {
        make(.int32, values, placeholder: 0) { .int32($0) }
    }

    /// An `int64` column from optionals.
    public static func int64s(_ values: [Int64?]) -> DataColumn {
        make(.int64, values, placeholder: 0) { .int64($0) }
    }

    /// An `int64` column without nulls (taken as is: passed to `int64s(_: [Int64?])`, an array would be converted
    /// element by element through a dynamic cast).
    public static func int64s(_ values: [Int64]) -> DataColumn { DataColumn(unchecked: .int64, .int64(values), nil) }

    /// A `float32` column from optionals.
    public static func float32s(_ values: [Float?]) -> DataColumn {
        make(.float32, values, placeholder: 0) { .float32($0) }
    }

    /// A `float64` column from optionals.
    public static func float64s(_ values: [Double?]) -> DataColumn {
        make(.float64, values, placeholder: 0) { .float64($0) }
    }

    /// A `float64` column without nulls (taken as is).
    public static func float64s(_ values: [Double]) -> DataColumn { DataColumn(unchecked: .float64, .float64(values), nil) }

    /// A `timestamp` column from optional microseconds since the epoch.
    public static func timestamps(_ values: [Int64?]) -> DataColumn {
        make(.timestamp, values, placeholder: 0) { .int64($0) }
    }

    /// A `timestamp` column of microseconds since the epoch, without nulls (taken as is).
    public static func timestamps(_ values: [Int64]) -> DataColumn { DataColumn(unchecked: .timestamp, .int64(values), nil) }

    /// A `date` column from optional days since the epoch.
    public static func dates(_ values: [Int32?]) -> DataColumn {
        make(.date, values, placeholder: 0) { .int32($0) }
    }

    /// A `string` column from optionals.
    public static func strings(_ values: [String?]) -> DataColumn {
        var builder = BytesColumnBuilder(type: .string, capacity: values.count)
        for value in values { builder.append(value.map { Array($0.utf8) }) }
        return builder.finish()
    }

    /// A `binary` column from optionals.
    public static func binaries(_ values: [[UInt8]?]) -> DataColumn {
        var builder = BytesColumnBuilder(type: .binary, capacity: values.count)
        for value in values { builder.append(value) }
        return builder.finish()
    }

    private static func make<T>(
        _ type: DataType, _ values: [T?], placeholder: T, wrap: ([T]) -> Values
    ) -> DataColumn {
        let validity = Bitmap(values.lazy.map { $0 != nil })
        let dense = values.map { $0 ?? placeholder }
        return DataColumn(unchecked: type, wrap(dense), validity)
    }

    /// Creates a column whose storage and validity the caller has already made consistent.
    package init(unchecked type: DataType, _ values: Values, _ validity: Bitmap?) {
        self.type = type
        self.values = values
        self.validity = validity.flatMap { $0.clearCount == 0 ? nil : $0 }
    }
}

/// Builds a `string` or `binary` column one value at a time.
public struct BytesColumnBuilder: Sendable {
    private let type: DataType
    // Visible to `append`, which is inlined so that each caller gets it specialized to its collection (unspecialized,
    // a call looks up the collection's generic metadata at run time: 1–2% of a served request).
    @usableFromInline var offsets: [Int]
    @usableFromInline var data: [UInt8] = []
    @usableFromInline var validity: Bitmap
    @usableFromInline var hasNull = false

    /// Starts an empty column of `type` (`string` or `binary`).
    public init(type: DataType, capacity: Int = 0) {
        self.type = type
        offsets = [0]
        offsets.reserveCapacity(capacity + 1)
        validity = Bitmap(repeating: true, count: 0)
        validity.reserveCapacity(capacity)
    }

    /// Appends a value, or a null for `nil`. Contiguous bytes (an array, a native string's UTF-8) are copied at
    /// once, not element by element through the generic collection.
    @inlinable
    public mutating func append<C: Collection>(_ bytes: C?) where C.Element == UInt8 {
        if let bytes {
            if bytes.withContiguousStorageIfAvailable({ data.append(contentsOf: $0) }) == nil { data.append(contentsOf: bytes) }
        } else {
            hasNull = true
        }
        offsets.append(data.count)
        validity.append(bytes != nil)
    }

    /// The finished column.
    public func finish() -> DataColumn {
        DataColumn(unchecked: type, .bytes(offsets: offsets, data: data), hasNull ? validity : nil)
    }
}
