import KiteCore

/// Reads a Parquet file from any `ByteSource`: the footer with one request, then only the column chunks asked
/// for, one row group at a time so that large files stream in bounded memory.
public final class ParquetReader: Sendable {
    /// Limits and checks applied while reading.
    public struct Configuration: Sendable {
        /// Bytes read from the end of the file in the first request.
        public var footerReadSize = 64 * 1024
        /// Verify page CRCs where the writer stored them.
        public var verifyChecksums = true
        /// The most rows a row group may claim; a larger claim is treated as corrupt rather than allocated.
        public var maxRowGroupRows = 1 << 27

        /// The defaults.
        public init() {}
    }

    /// Where the bytes come from.
    public let source: any ByteSource
    /// The decoded footer.
    public let metadata: FileMetaData
    /// Every leaf column, including ones Kite cannot read.
    public let columns: [ParquetColumn]
    /// The file's size in bytes.
    public let fileSize: Int
    /// The Kite schema of the columns Kite can read (nested and repeated leaves are left out).
    public let schema: Schema
    private let configuration: Configuration

    /// How each readable timestamp column is stored, to write it back the same way.
    public var timestampStorage: [String: TimestampStorage] {
        var storage: [String: TimestampStorage] = [:]
        for column in columns where column.dataType == .timestamp && column.path.count == 1 {
            if case .timestamp(let unit, let adjustedToUTC)? = column.logicalType {
                storage[column.name] = TimestampStorage(unit: unit, adjustedToUTC: adjustedToUTC)
            }
        }
        return storage
    }

    private static let magic: [UInt8] = Array("PAR1".utf8)

    /// Opens a Parquet file on the local file system.
    public convenience init(path: String, configuration: Configuration = Configuration()) async throws {
        try await self.init(source: LocalFileSource(path: path), configuration: configuration)
    }

    /// Reads and validates the footer of `source`.
    public init(source: any ByteSource, configuration: Configuration = Configuration()) async throws {
        let size = try await source.size()
        let notParquet = KiteError.corrupt("\(source.name) is not a Parquet file (no PAR1 footer)")
        guard size >= 12 else { throw notParquet }
        let tailStart = size - Swift.min(size, configuration.footerReadSize)
        var tail = try await source.read(tailStart..<size)
        guard tail.count == size - tailStart, Array(tail.suffix(4)) == Self.magic else { throw notParquet }
        if tailStart == 0, Array(tail.prefix(4)) != Self.magic { throw notParquet }
        let n = tail.count
        let footerLength = Int(
            UInt32(tail[n - 8]) | UInt32(tail[n - 7]) << 8 | UInt32(tail[n - 6]) << 16
                | UInt32(tail[n - 5]) << 24)
        guard footerLength <= size - 12 else {
            throw KiteError.corrupt("\(source.name): footer length \(footerLength) exceeds the file size \(size)")
        }
        let footerStart = size - 8 - footerLength
        if footerStart < tailStart {
            tail = try await source.read(footerStart..<size)
        }
        let offset = tail.count - 8 - footerLength
        var reader = ThriftCompactReader(tail, start: offset, end: tail.count - 8)
        do {
            metadata = try FileMetaData.decode(&reader)
            columns = try ParquetColumn.leaves(of: metadata.schema)
        } catch let error as KiteError {
            throw KiteError(error.code, "\(source.name): invalid footer: \(error.message)")
        }
        for (g, group) in metadata.rowGroups.enumerated() {
            guard group.columns.count == columns.count else {
                throw KiteError.corrupt("\(source.name): row group \(g) has \(group.columns.count) column chunks for \(columns.count) columns")
            }
            guard group.rowCount <= configuration.maxRowGroupRows else {
                throw KiteError.corrupt("\(source.name): row group \(g) claims \(group.rowCount) rows, over the limit of \(configuration.maxRowGroupRows)")
            }
            for chunk in group.columns where group.rowCount > 0 && !chunk.isExternal {
                let range = chunk.byteRange
                guard range.lowerBound >= 4, range.lowerBound <= footerStart, chunk.totalCompressedSize <= footerStart - range.lowerBound else {
                    throw KiteError.corrupt("\(source.name): column chunk '\(chunk.path.joined(separator: "."))' in row group \(g) lies outside the data")
                }
            }
        }
        do {
            schema = try Schema(columns.compactMap { c in c.dataType.map { Field(c.name, $0, nullable: c.repetition != .required) } })
        } catch let error as KiteError {
            throw KiteError.corrupt("\(source.name): \(error.message)")
        }
        self.source = source
        self.fileSize = size
        self.configuration = configuration
    }

    /// The number of rows in the file.
    public var rowCount: Int { metadata.rowGroups.reduce(0) { $0 + $1.rowCount } }

    /// The number of row groups.
    public var rowGroupCount: Int { metadata.rowGroups.count }

    /// The leaf named `name`.
    public func column(named name: String) throws -> ParquetColumn {
        guard let column = columns.first(where: { $0.name == name }) else {
            throw KiteError(.notFound, "\(source.name) has no column '\(name)'; columns are: \(columns.map(\.name).joined(separator: ", "))")
        }
        return column
    }

    /// Reads row group `index`, only the named columns (all by default), decoding columns in parallel.
    public func readRowGroup(_ index: Int, columns names: [String]? = nil) async throws -> DataFrame {
        try checkRowGroup(index)
        return try await read(rowGroups: [index], columns: names)
    }

    /// Reads the whole file (the named columns, all by default) into one frame.
    public func read(columns names: [String]? = nil) async throws -> DataFrame {
        try await read(rowGroups: Array(metadata.rowGroups.indices), columns: names)
    }

    /// Reads text or binary columns of row group `index` as `CodedColumn`s (values and each row's index into them,
    /// as dictionary encoding stores them), decoding columns in parallel.
    public func readCoded(rowGroup index: Int, columns names: [String]) async throws -> [CodedColumn] {
        try checkRowGroup(index)
        let selected = try names.map(column(named:))
        for column in selected {
            _ = try readableField(column)
            guard column.physicalType == .byteArray || column.physicalType == .fixedLenByteArray else {
                throw KiteError.invalidArgument("\(source.name): column '\(column.name)' holds \(column.physicalType), not text or bytes")
            }
        }
        let group = metadata.rowGroups[index]
        let chunks = try await chunkBytes(of: selected, in: [group])
        return try await Parallel.map(selected.count) { [chunks] i in
            var builder = CodedColumnBuilder(type: selected[i].physicalType, capacity: group.rowCount)
            try self.decode(selected[i], of: [group], from: chunks[i], into: &builder)
            return try builder.finish()
        }
    }

    private func checkRowGroup(_ index: Int) throws {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw KiteError.invalidArgument("row group \(index) does not exist; the file has \(metadata.rowGroups.count)")
        }
    }

    /// Reads the given row groups into one frame: each column is decoded, across the row groups, straight into
    /// one set of arrays; columns are decoded in parallel.
    private func read(rowGroups indices: [Int], columns names: [String]?) async throws -> DataFrame {
        let selected = try names.map { try $0.map(column(named:)) } ?? columns
        let fields = try selected.map(readableField)
        let groups = indices.map { metadata.rowGroups[$0] }
        let rows = groups.reduce(0) { $0 + $1.rowCount }
        if rows == 0 { return DataFrame(empty: try Schema(fields)) }
        let chunks = try await chunkBytes(of: selected, in: groups)
        let decoded = try await Parallel.map(selected.count) { [chunks] i in
            let column = selected[i]
            var builder = ColumnBuilder(type: column.physicalType, capacity: rows)
            try self.decode(column, of: groups, from: chunks[i], into: &builder)
            let (values, validity) = builder.finish()
            return try LogicalConversion.convert(values, validity: validity, column: column, to: fields[i].type)
        }
        return try DataFrame(schema: Schema(fields), columns: decoded)
    }

    /// The stored bytes of each column's chunks in the row groups that have rows.
    private func chunkBytes(of selected: [ParquetColumn], in groups: [RowGroup]) async throws -> [[[UInt8]]] {
        var chunks: [[[UInt8]]] = []
        for column in selected {
            var perGroup: [[UInt8]] = []
            for group in groups where group.rowCount > 0 {
                let chunk = group.columns[column.leafIndex]
                if let external = chunk.filePath, chunk.isExternal {
                    throw KiteError.unsupported(
                        "\(source.name): column '\(column.name)' is stored in another file ('\(external)'), as in a dataset summary; read that file instead")
                }
                perGroup.append(try await source.read(chunk.byteRange))
            }
            chunks.append(perGroup)
        }
        return chunks
    }

    /// Decodes `column`'s chunks (`chunks`, one per row group of `groups` that has rows) into `sink`.
    private func decode<Sink: ColumnSink>(_ column: ParquetColumn, of groups: [RowGroup], from chunks: [[UInt8]], into sink: inout Sink) throws {
        for (group, bytes) in zip(groups.filter { $0.rowCount > 0 }, chunks) {
            var decoder = ColumnChunkDecoder(
                column: column, chunk: group.columns[column.leafIndex], rowCount: group.rowCount, verifyChecksums: configuration.verifyChecksums)
            do {
                try decoder.decode(bytes, into: &sink)
            } catch let error as KiteError {
                // Name the file: the decoder knows only the column.
                throw KiteError(error.code, "\(source.name): \(error.message)", cause: error.cause)
            }
        }
    }

    /// The Kite field of a column, or an `unsupported` error naming it.
    private func readableField(_ column: ParquetColumn) throws -> Field {
        guard let type = column.dataType else {
            throw KiteError.unsupported(
                "\(source.name): \(column.unsupportedReason ?? "column '\(column.name)' cannot be read"); "
                    + "choose other columns with --columns")
        }
        return Field(column.name, type, nullable: column.repetition != .required)
    }
}
