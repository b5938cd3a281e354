import KiteCore

/// Writes `DataFrame`s to a Parquet file: row groups of a configurable size, dictionary encoding with a fallback
/// to PLAIN, SNAPPY by default, statistics for pruning. Nothing is visible until `close()` commits the sink.
public final class ParquetWriter {
    /// How the file is laid out and compressed.
    public struct Configuration: Sendable {
        /// The default number of rows in a row group.
        public static let defaultRowGroupSize = 1_048_576
        /// The default target size of a data page in bytes.
        public static let defaultDataPageSize = 1 << 20
        /// The default largest number of rows in a data page.
        public static let defaultDataPageRowLimit = 20_000
        /// The default largest dictionary page; past it the column is written PLAIN.
        public static let defaultDictionaryPageSizeLimit = 1 << 20

        public var compression: CompressionCodec = .snappy
        public var rowGroupSize = defaultRowGroupSize
        public var dataPageSize = defaultDataPageSize
        public var dataPageRowLimit = defaultDataPageRowLimit
        public var useDictionary = true
        public var dictionaryPageSizeLimit = defaultDictionaryPageSizeLimit
        /// How named timestamp columns are stored; the others as UTC microseconds.
        public var timestampStorage: [String: TimestampStorage] = [:]
        /// Key-value pairs stored in the footer.
        public var keyValueMetadata: [(key: String, value: String)] = []
        public var createdBy = "kite version 0.1.0"

        /// The defaults: SNAPPY, 1,048,576-row row groups, dictionaries up to 1 MiB.
        public init() {}

        func validated() throws -> Configuration {
            guard rowGroupSize > 0 else { throw KiteError.invalidArgument("row group size must be at least 1") }
            guard dataPageSize > 0, dataPageRowLimit > 0 else {
                throw KiteError.invalidArgument("data page size and row limit must be at least 1")
            }
            guard [.snappy, .gzip, .uncompressed].contains(compression) else {
                throw KiteError.unsupported("writing \(compression) is not supported; use snappy, gzip or none")
            }
            return self
        }
    }

    /// The schema every written frame must have.
    public let schema: Schema
    private let configuration: Configuration
    private var sink: any ByteSink
    private var position = 0
    private var rowGroups: [RowGroup] = []
    private var pending: [DataFrame] = []
    private var pendingRows = 0
    private var finished = false

    /// Starts a file at `path`, written atomically (temporary file, renamed on `close()`).
    public convenience init(path: String, schema: Schema, configuration: Configuration = Configuration()) async throws {
        try await self.init(sink: LocalFileSink(path: path), schema: schema, configuration: configuration)
    }

    /// Starts a file in `sink`.
    public init(sink: any ByteSink, schema: Schema, configuration: Configuration = Configuration()) async throws {
        self.configuration = try configuration.validated()
        self.schema = schema
        self.sink = sink
        do {
            try await append(Array("PAR1".utf8))
        } catch {
            await abort()
            throw error
        }
    }

    /// Writes `frame` to the named file in one call.
    public static func write(
        _ frame: DataFrame, to path: String, configuration: Configuration = Configuration()
    ) async throws {
        let writer = try await ParquetWriter(path: path, schema: frame.schema, configuration: configuration)
        try await writer.write(frame)
        try await writer.close()
    }

    private func append(_ bytes: [UInt8]) async throws {
        try await sink.write(bytes)
        position += bytes.count
    }

    /// Adds rows; full row groups are encoded and written as they fill. A frame with another schema is refused
    /// (and the file stays writable); any other failure abandons the file.
    public func write(_ frame: DataFrame) async throws {
        guard !finished else { throw KiteError.invalidArgument("the Parquet writer is already closed") }
        guard frame.schema == schema else {
            throw KiteError(.mismatch, "frame schema differs from the writer's:\n\(frame.schema)\nversus\n\(schema)")
        }
        do {
            try await buffer(frame)
        } catch {
            await abort()
            throw error
        }
    }

    private func buffer(_ frame: DataFrame) async throws {
        if frame.rowCount == 0 { return }
        pending.append(frame)
        pendingRows += frame.rowCount
        while pendingRows >= configuration.rowGroupSize {
            let all = pending.count == 1 ? pending[0] : try DataFrame.concatenate(pending)
            try await writeRowGroup(all.slice(0..<configuration.rowGroupSize))
            let rest = try all.slice(configuration.rowGroupSize..<all.rowCount)
            pending = rest.rowCount > 0 ? [rest] : []
            pendingRows = rest.rowCount
        }
    }

    private func writeRowGroup(_ frame: DataFrame) async throws {
        let configuration = self.configuration
        let fields = schema.fields
        let encoded = try await Parallel.map(frame.columns.count) { i in
            let storage = fields[i].type == .timestamp ? configuration.timestampStorage[fields[i].name] : nil
            let column = try storage?.stored(frame.columns[i], name: fields[i].name) ?? frame.columns[i]
            return try ColumnChunkEncoder(field: fields[i], configuration: configuration).encode(column)
        }
        var chunks: [ColumnChunk] = []
        var totalSize = 0
        for (field, chunk) in zip(fields, encoded) {
            let start = position
            try await append(chunk.bytes)
            var meta = ColumnChunk()
            meta.type = Self.physicalType(field.type)
            meta.encodings = chunk.encodings
            meta.path = [field.name]
            meta.codec = configuration.compression
            meta.valueCount = frame.rowCount
            meta.totalUncompressedSize = chunk.uncompressedSize
            meta.totalCompressedSize = chunk.bytes.count
            meta.dataPageOffset = start + (chunk.dictionaryPageLength ?? 0)
            meta.dictionaryPageOffset = chunk.dictionaryPageLength.map { _ in start }
            meta.statistics = chunk.statistics
            chunks.append(meta)
            totalSize += chunk.uncompressedSize
        }
        rowGroups.append(RowGroup(columns: chunks, totalByteSize: totalSize, rowCount: frame.rowCount))
    }

    /// Writes what is pending and the footer, then commits the file; on failure the file is abandoned.
    public func close() async throws {
        guard !finished else { return }
        do {
            try await finish()
        } catch {
            await abort()
            throw error
        }
    }

    private func finish() async throws {
        if pendingRows > 0 {
            let all = pending.count == 1 ? pending[0] : try DataFrame.concatenate(pending)
            try await writeRowGroup(all)
            pending = []
            pendingRows = 0
        }
        var elements = [SchemaElement(name: "schema", childCount: schema.count)]
        for field in schema.fields {
            elements.append(
                SchemaElement(
                    name: field.name, type: Self.physicalType(field.type),
                    repetition: field.nullable ? .optional : .required,
                    logicalType: Self.logicalType(field.type, storage: configuration.timestampStorage[field.name])))
        }
        let metadata = FileMetaData(
            version: 2, schema: elements, rowCount: rowGroups.reduce(0) { $0 + $1.rowCount }, rowGroups: rowGroups,
            keyValueMetadata: configuration.keyValueMetadata.map { ($0.key, $0.value) },
            createdBy: configuration.createdBy)
        let footer = metadata.encode()
        try await append(footer)
        try await append(withUnsafeBytes(of: UInt32(footer.count).littleEndian) { Array($0) } + Array("PAR1".utf8))
        finished = true
        try await sink.commit()
    }

    /// Abandons the file; nothing appears at the destination.
    public func abort() async {
        finished = true
        await sink.abort()
    }

    static func physicalType(_ type: DataType) -> PhysicalType {
        switch type {
        case .bool: .boolean
        case .int32, .date: .int32
        case .int64, .timestamp: .int64
        case .float32: .float
        case .float64: .double
        case .string, .binary: .byteArray
        }
    }

    static func logicalType(_ type: DataType, storage: TimestampStorage? = nil) -> LogicalType? {
        switch type {
        case .string: .string
        case .date: .date
        case .timestamp: .timestamp(unit: (storage ?? .kite).unit, adjustedToUTC: (storage ?? .kite).adjustedToUTC)
        default: nil
        }
    }
}
