import KiteCore

/// A column chunk encoded in memory, ready to be placed in the file.
struct EncodedChunk: Sendable {
    var bytes: [UInt8]
    /// Length of the leading dictionary page (header included), if any.
    var dictionaryPageLength: Int?
    var uncompressedSize: Int
    var encodings: [Encoding]
    var statistics: Statistics
}

/// Encodes one column of a row group: definition levels, dictionary or plain values, pages, compression,
/// statistics.
struct ColumnChunkEncoder {
    let field: Field
    let configuration: ParquetWriter.Configuration

    func encode(_ column: DataColumn) throws -> EncodedChunk {
        let rows = column.count
        let dense: DataColumn
        if let validity = column.validity {
            dense = column.take(uncheckedIndices: (0..<rows).filter { validity[$0] })
        } else {
            dense = column
        }
        var statistics = Self.statistics(dense.values, type: field.type)
        statistics.nullCount = Int64(column.nullCount)

        var dictionary: (values: DataColumn.Values, indices: [UInt32])?
        if configuration.useDictionary && field.type != .bool && dense.count > 0 {
            dictionary = Self.dictionary(dense.values, limit: configuration.dictionaryPageSizeLimit)
        }
        var output: [UInt8] = []
        var uncompressedTotal = 0
        var dictionaryPageLength: Int?
        var bitWidth = 0
        if let (values, _) = dictionary {
            var plain: [UInt8] = []
            PlainEncoder.encode(values, into: &plain)
            let count = values.count
            bitWidth = Swift.max(1, Int.bitWidth - (count - 1).leadingZeroBitCount)
            let page = try compress(plain)
            let header = PageHeader(
                type: .dictionaryPage, uncompressedSize: plain.count, compressedSize: page.count, valueCount: count,
                encoding: .plain
            ).encode()
            output += header
            output += page
            uncompressedTotal += header.count + plain.count
            dictionaryPageLength = output.count
        }

        // Pages of at most `dataPageRowLimit` rows, fewer when the values are wide.
        let denseBytes: Int
        if case .bytes(_, let data) = dense.values { denseBytes = data.count + 4 * dense.count } else { denseBytes = 8 * dense.count }
        let averageWidth = Swift.max(1, denseBytes / Swift.max(1, dense.count))
        let rowsPerPage = Swift.max(1, Swift.min(configuration.dataPageRowLimit, configuration.dataPageSize / averageWidth))
        var pageStart = 0
        var denseStart = 0
        repeat {
            let pageEnd = Swift.min(rows, pageStart + rowsPerPage)
            var page: [UInt8] = []
            var nonNull = pageEnd - pageStart
            if field.nullable {
                var levels = [UInt32](repeating: 1, count: pageEnd - pageStart)
                if let validity = column.validity {
                    nonNull = 0
                    for row in pageStart..<pageEnd {
                        if validity[row] { nonNull += 1 } else { levels[row - pageStart] = 0 }
                    }
                }
                var encoder = RLEHybridEncoder(bitWidth: 1)
                encoder.encode(levels)
                withUnsafeBytes(of: UInt32(encoder.bytes.count).littleEndian) { page.append(contentsOf: $0) }
                page += encoder.bytes
            }
            let denseRange = denseStart..<(denseStart + nonNull)
            if let (_, indices) = dictionary {
                page.append(UInt8(bitWidth))
                var encoder = RLEHybridEncoder(bitWidth: bitWidth)
                encoder.encode(indices[denseRange])
                page += encoder.bytes
            } else {
                PlainEncoder.encode(dense.values, range: denseRange, into: &page)
            }
            let compressed = try compress(page)
            let header = PageHeader(
                type: .dataPage, uncompressedSize: page.count, compressedSize: compressed.count,
                valueCount: pageEnd - pageStart, encoding: dictionary == nil ? .plain : .rleDictionary,
                definitionLevelEncoding: .rle
            ).encode()
            output += header
            output += compressed
            uncompressedTotal += header.count + page.count
            pageStart = pageEnd
            denseStart += nonNull
        } while pageStart < rows
        return EncodedChunk(
            bytes: output, dictionaryPageLength: dictionaryPageLength, uncompressedSize: uncompressedTotal,
            encodings: dictionary == nil ? [.plain, .rle] : [.plain, .rle, .rleDictionary], statistics: statistics)
    }

    private func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        switch configuration.compression {
        case .snappy: return bytes.withUnsafeBytes { Snappy.compress($0) }
        case .gzip: return try bytes.withUnsafeBytes { try Gzip.compress($0) }
        default: return bytes
        }
    }

    private static func dictionary(
        _ values: DataColumn.Values, limit: Int
    ) -> (values: DataColumn.Values, indices: [UInt32])? {
        switch values {
        case .bool: return nil
        case .int32(let a):
            return DictionaryEncoder.encode(a, limitBytes: limit) { UInt64(UInt32(bitPattern: $0)) }
                .map { (.int32($0.dictionary), $0.indices) }
        case .int64(let a):
            return DictionaryEncoder.encode(a, limitBytes: limit) { UInt64(bitPattern: $0) }
                .map { (.int64($0.dictionary), $0.indices) }
        case .float32(let a):
            return DictionaryEncoder.encode(a, limitBytes: limit) { UInt64($0.bitPattern) }
                .map { (.float32($0.dictionary), $0.indices) }
        case .float64(let a):
            return DictionaryEncoder.encode(a, limitBytes: limit) { $0.bitPattern }
                .map { (.float64($0.dictionary), $0.indices) }
        case .bytes(let offsets, let data):
            return DictionaryEncoder.encodeBytes(offsets: offsets, data: data, limitBytes: limit)
                .map { (.bytes(offsets: $0.offsets, data: $0.data), $0.indices) }
        }
    }

    /// Min and max of the non-null values, plain-encoded (NaN is ignored, as the format asks).
    static func statistics(_ values: DataColumn.Values, type: DataType) -> Statistics {
        var stats = Statistics()
        func plain(_ v: DataColumn.Values) -> [UInt8] {
            var out: [UInt8] = []
            if case .bytes(_, let data) = v { return data }
            PlainEncoder.encode(v, into: &out)
            return out
        }
        func minMax<T: Comparable>(_ a: [T], _ wrap: ([T]) -> DataColumn.Values, skip: (T) -> Bool = { _ in false }) {
            var lo: T?
            var hi: T?
            for v in a where !skip(v) {
                if lo.map({ v < $0 }) ?? true { lo = v }
                if hi.map({ v > $0 }) ?? true { hi = v }
            }
            if let lo, let hi {
                stats.minBytes = plain(wrap([lo]))
                stats.maxBytes = plain(wrap([hi]))
            }
        }
        switch values {
        case .bool(let a):
            if !a.isEmpty {
                stats.minBytes = [a.contains(false) ? 0 : 1]
                stats.maxBytes = [a.contains(true) ? 1 : 0]
            }
        case .int32(let a): minMax(a) { .int32($0) }
        case .int64(let a): minMax(a) { .int64($0) }
        case .float32(let a): minMax(a, { .float32($0) }, skip: { $0.isNaN })
        case .float64(let a): minMax(a, { .float64($0) }, skip: { $0.isNaN })
        case .bytes(let offsets, let data):
            guard offsets.count > 1 else { break }
            var lo = 0
            var hi = 0
            for i in 1..<(offsets.count - 1) {
                let value = data[offsets[i]..<offsets[i + 1]]
                if value.lexicographicallyPrecedes(data[offsets[lo]..<offsets[lo + 1]]) { lo = i }
                if data[offsets[hi]..<offsets[hi + 1]].lexicographicallyPrecedes(value) { hi = i }
            }
            let minValue = Array(data[offsets[lo]..<offsets[lo + 1]])
            let maxValue = Array(data[offsets[hi]..<offsets[hi + 1]])
            // Long values make large footers; leave such statistics out rather than truncate them.
            if minValue.count <= 64 && maxValue.count <= 64 {
                stats.minBytes = minValue
                stats.maxBytes = maxValue
            }
        }
        return stats
    }
}
