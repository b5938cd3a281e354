import KiteCore

/// Decodes the pages of one column chunk into a `DataColumn`.
struct ColumnChunkDecoder {
    let column: ParquetColumn
    let chunk: ColumnChunk
    /// Rows the row group says it has; the chunk must produce exactly this many values.
    let rowCount: Int
    let verifyChecksums: Bool

    /// Entries in the chunk's dictionary, once its dictionary page is read.
    private var dictionarySize: Int?
    private var valuesRead = 0

    init(column: ParquetColumn, chunk: ColumnChunk, rowCount: Int, verifyChecksums: Bool) {
        self.column = column
        self.chunk = chunk
        self.rowCount = rowCount
        self.verifyChecksums = verifyChecksums
    }

    private func fail(_ message: String) -> KiteError {
        KiteError.corrupt("column '\(column.name)': \(message)")
    }

    /// Decodes `bytes`, the whole chunk as stored (from its first page to its end), into `builder`.
    mutating func decode<Sink: ColumnSink>(_ bytes: [UInt8], into builder: inout Sink) throws {
        switch chunk.codec {
        case .uncompressed, .snappy, .gzip: break
        default:
            throw KiteError.unsupported(
                "column '\(column.name)' is compressed with \(chunk.codec), which Kite does not support yet "
                    + "(supported: UNCOMPRESSED, SNAPPY, GZIP)")
        }
        var position = 0
        while valuesRead < rowCount {
            guard position < bytes.count else {
                throw fail("chunk ended after \(valuesRead) of \(rowCount) values")
            }
            var reader = ThriftCompactReader(bytes, start: position)
            let header = try PageHeader.decode(&reader)
            let start = reader.position
            guard header.compressedSize <= bytes.count - start else {
                throw fail("page of \(header.compressedSize) bytes runs past the chunk")
            }
            let payload = start..<(start + header.compressedSize)
            position = payload.upperBound
            if verifyChecksums, let crc = header.crc {
                let actual = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[payload])) }
                guard actual == crc else {
                    throw KiteError(.checksumMismatch, "column '\(column.name)': page checksum mismatch (stored \(crc), computed \(actual))")
                }
            }
            switch header.type {
            case .dictionaryPage:
                let data = try decompress(bytes, payload, uncompressedSize: header.uncompressedSize)
                guard header.encoding == .plain || header.encoding == .plainDictionary else {
                    throw fail("dictionary page encoding \(header.encoding) is not PLAIN")
                }
                let values = try PlainDecoder.decode(
                    data, range: 0..<data.count, count: header.valueCount, type: column.physicalType,
                    typeLength: column.typeLength)
                try builder.startDictionary(values)
                dictionarySize = values.count
            case .dataPage:
                try decodeDataPageV1(header, bytes, payload, &builder)
            case .dataPageV2:
                try decodeDataPageV2(header, bytes, payload, &builder)
            case .indexPage:
                continue
            }
        }
        guard valuesRead == rowCount else { throw fail("pages hold \(valuesRead) values, the row group \(rowCount)") }
    }

    private func decompress(_ bytes: [UInt8], _ range: Range<Int>, uncompressedSize: Int) throws -> [UInt8] {
        // A page cannot expand more than deflate's 1032:1; anything larger is a lie that would cost memory.
        guard uncompressedSize <= range.count * 1100 + 4096 else {
            throw fail("page claims \(uncompressedSize) bytes uncompressed from \(range.count) compressed")
        }
        do {
            return try bytes.withUnsafeBytes { raw in
                let input = UnsafeRawBufferPointer(rebasing: raw[range])
                switch chunk.codec {
                case .snappy: return try Snappy.decompress(input, expectedSize: uncompressedSize)
                case .gzip: return try Gzip.decompress(input, expectedSize: uncompressedSize)
                default:
                    guard range.count == uncompressedSize else {
                        throw fail("uncompressed page has \(range.count) bytes, its header says \(uncompressedSize)")
                    }
                    return Array(input)
                }
            }
        } catch let error as KiteError where !error.message.hasPrefix("column '") {
            // The codec knows the bytes, not where they came from.
            throw KiteError(error.code, "column '\(column.name)': \(error.message)", cause: error.cause)
        }
    }

    private mutating func decodeDataPageV1<Sink: ColumnSink>(
        _ header: PageHeader, _ bytes: [UInt8], _ payload: Range<Int>, _ builder: inout Sink
    ) throws {
        let count = try checkedCount(header.valueCount)
        let data = try decompress(bytes, payload, uncompressedSize: header.uncompressedSize)
        var position = 0
        var levels: [UInt32]?
        if column.maxDefinitionLevel > 0 {
            guard header.definitionLevelEncoding == .rle else {
                throw KiteError.unsupported(
                    "column '\(column.name)': definition levels encoded as \(header.definitionLevelEncoding)")
            }
            guard data.count >= 4 else { throw fail("definition levels are truncated") }
            let length = Int(UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24)
            guard length <= data.count - 4 else { throw fail("definition levels run past the page") }
            levels = try definitionLevels(count: count, data, 4..<(4 + length))
            position = 4 + length
        }
        try appendPage(count: count, levels: levels, encoding: header.encoding, data, position..<data.count, &builder)
    }

    private mutating func decodeDataPageV2<Sink: ColumnSink>(
        _ header: PageHeader, _ bytes: [UInt8], _ payload: Range<Int>, _ builder: inout Sink
    ) throws {
        let count = try checkedCount(header.valueCount)
        let levelBytes = header.repetitionLevelsLength + header.definitionLevelsLength
        guard levelBytes <= payload.count, levelBytes <= header.uncompressedSize else {
            throw fail("levels of \(levelBytes) bytes run past the page")
        }
        var levels: [UInt32]?
        if column.maxDefinitionLevel > 0 {
            let start = payload.lowerBound + header.repetitionLevelsLength
            levels = try definitionLevels(count: count, bytes, start..<(start + header.definitionLevelsLength))
        }
        let valuesRange = (payload.lowerBound + levelBytes)..<payload.upperBound
        let data: [UInt8]
        if header.uncompressedSize == levelBytes {
            // No values (all nulls, or no rows): writers store nothing or an empty compressed block; pyarrow
            // reads either without decompressing, and so does Kite.
            data = []
        } else if header.isCompressed && chunk.codec != .uncompressed {
            data = try decompress(bytes, valuesRange, uncompressedSize: header.uncompressedSize - levelBytes)
        } else {
            data = Array(bytes[valuesRange])
        }
        try appendPage(count: count, levels: levels, encoding: header.encoding, data, 0..<data.count, &builder)
    }

    private var levelBitWidth: Int { Int.bitWidth - column.maxDefinitionLevel.leadingZeroBitCount }

    /// A page's `count` definition levels from `bytes[range]`, or nil when every value is present (one run of the
    /// maximum level, as writers store a page without nulls): nothing then to decode or to check per row.
    private func definitionLevels(count: Int, _ bytes: [UInt8], _ range: Range<Int>) throws -> [UInt32]? {
        var decoder = try RLEHybridDecoder(bytes, range: range, bitWidth: levelBitWidth)
        if decoder.startsWithRun(of: UInt32(column.maxDefinitionLevel), covering: count) { return nil }
        return try decoder.decode(count: count)
    }

    private func checkedCount(_ count: Int) throws -> Int {
        guard count <= rowCount - valuesRead else {
            throw fail("page holds \(count) values but only \(rowCount - valuesRead) rows remain in the row group")
        }
        return count
    }

    private mutating func appendPage<Sink: ColumnSink>(
        count: Int, levels: [UInt32]?, encoding: Encoding, _ data: [UInt8], _ range: Range<Int>,
        _ builder: inout Sink
    ) throws {
        let nonNull: Int
        if let levels {
            nonNull = builder.appendLevels(levels, maxLevel: UInt32(column.maxDefinitionLevel))
        } else {
            builder.appendValid(count)
            nonNull = count
        }
        if encoding == .plainDictionary || encoding == .rleDictionary {
            guard let dictionarySize else { throw fail("dictionary-encoded page without a dictionary page") }
            if nonNull > 0 {
                guard !range.isEmpty else { throw fail("dictionary indices are missing") }
                var decoder = try RLEHybridDecoder(
                    data, range: (range.lowerBound + 1)..<range.upperBound, bitWidth: Int(data[range.lowerBound]))
                let indices = try decoder.decode(count: nonNull)
                let size = UInt32(clamping: dictionarySize)
                if let bad = indices.first(where: { $0 >= size }) {
                    throw fail("dictionary index \(bad) is outside the dictionary of \(size) entries")
                }
                try builder.appendIndices(indices)
            }
        } else {
            try builder.append(try decodeValues(count: nonNull, encoding: encoding, data, range))
        }
        valuesRead += count
    }

    private func decodeValues(count: Int, encoding: Encoding, _ data: [UInt8], _ range: Range<Int>) throws -> DataColumn.Values {
        let type = column.physicalType
        switch encoding {
        case .plain:
            return try PlainDecoder.decode(data, range: range, count: count, type: type, typeLength: column.typeLength)
        case .rle where type == .boolean:
            guard range.count >= 4 else { throw fail("RLE booleans are truncated") }
            let start = range.lowerBound + 4
            var decoder = try RLEHybridDecoder(data, range: start..<range.upperBound, bitWidth: 1)
            return .bool(try decoder.decode(count: count).map { $0 != 0 })
        case .deltaBinaryPacked where type == .int32 || type == .int64:
            var decoder = DeltaBinaryPackedDecoder(data, range: range)
            let values = try decoder.decode(expected: count)
            guard values.count == count else { throw fail("delta page has \(values.count) of \(count) values") }
            return type == .int32 ? .int32(values.map { Int32(truncatingIfNeeded: $0) }) : .int64(values)
        case .deltaLengthByteArray where type == .byteArray:
            return try ByteArrayDecoders.deltaLength(data, range: range, count: count)
        case .deltaByteArray where type == .byteArray || type == .fixedLenByteArray:
            return try ByteArrayDecoders.deltaByteArray(data, range: range, count: count)
        case .byteStreamSplit:
            return try ByteArrayDecoders.byteStreamSplit(
                data, range: range, count: count, type: type, typeLength: column.typeLength)
        default:
            throw KiteError.unsupported("column '\(column.name)': encoding \(encoding) for \(type) is not supported")
        }
    }
}

extension DataColumn {
    /// A column that simply holds `values` (no nulls), typed by its storage.
    init(storage values: Values) {
        let type: DataType
        switch values {
        case .bool: type = .bool
        case .int32: type = .int32
        case .int64: type = .int64
        case .float32: type = .float32
        case .float64: type = .float64
        case .bytes: type = .binary
        }
        self.init(unchecked: type, values, nil)
    }

    /// Spreads these dense (non-null) values over the valid rows of `validity`, with placeholders elsewhere.
    func scattered(validity: Bitmap) -> DataColumn {
        var source = 0
        let rows = validity.count
        func spread<T>(_ dense: [T], _ placeholder: T) -> [T] {
            var result = [T](repeating: placeholder, count: rows)
            // The valid rows walked a validity word at a time (one value each, in order); a count that disagrees
            // (never, by construction) leaves the placeholders rather than reading past the values.
            guard dense.count == validity.setCount else { return result }
            result.withUnsafeMutableBufferPointer { out in
                dense.withUnsafeBufferPointer { dense in
                    var next = 0
                    validity.forEachSetBit { row in
                        out[row] = dense[next]
                        next += 1
                    }
                }
            }
            return result
        }
        let values: Values
        switch self.values {
        case .bool(let a): values = .bool(spread(a, false))
        case .int32(let a): values = .int32(spread(a, 0))
        case .int64(let a): values = .int64(spread(a, 0))
        case .float32(let a): values = .float32(spread(a, 0))
        case .float64(let a): values = .float64(spread(a, 0))
        case .bytes(let offsets, let data):
            var newOffsets = [Int](repeating: 0, count: rows + 1)
            for row in 0..<rows {
                if validity[row] { source += 1 }
                newOffsets[row + 1] = offsets[source]
            }
            values = .bytes(offsets: newOffsets, data: data)
        }
        return DataColumn(unchecked: type, values, validity)
    }
}
