import Foundation
import KiteCore
import KiteTesting
import Testing

@testable import Parquet

/// Round trips through pyarrow and DuckDB in both directions, for every type with nulls.
@Suite struct InteropTests {
    /// Every Kite type, with nulls, NaN, infinities, extremes, empty and non-ASCII strings.
    static func allTypes(rows: Int) throws -> DataFrame {
        var random = SeededGenerator(seed: 7)
        func maybe<T>(_ value: T, _ row: Int, every: Int) -> T? { row % every == 2 ? nil : value }
        let words = ["", "a", "héllo", "日本語", "comma,\"quote\"\n", String(repeating: "z", count: 300)]
        let specials: [Double] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        return try DataFrame([
            ("b", .bools((0..<rows).map { maybe(random.next() % 2 == 0, $0, every: 5) })),
            ("i32", .int32s((0..<rows).map { maybe(Int32(truncatingIfNeeded: random.next()), $0, every: 6) })),
            ("i64", .int64s((0..<rows).map { maybe($0 == 0 ? Int64.min : Int64(bitPattern: random.next()), $0, every: 7) })),
            ("f32", .float32s((0..<rows).map { maybe($0 % 13 == 0 ? .nan : Float((random.unit() * 2 - 1) * 1e6), $0, every: 4) })),
            ("f64", .float64s((0..<rows).map { maybe($0 % 11 == 0 ? specials[$0 % 6] : (random.unit() * 2 - 1) * 1e9, $0, every: 3) })),
            ("s", .strings((0..<rows).map { maybe($0 % 3 == 0 ? words[$0 % 6] : "w\(random.next() % 40)", $0, every: 8) })),
            ("bin", .binaries((0..<rows).map { r in maybe((0..<(r % 9)).map { _ in UInt8(truncatingIfNeeded: random.next()) }, r, every: 9) })),
            ("ts", .timestamps((0..<rows).map { maybe(Int64(bitPattern: random.next() % (1 << 52)) - (1 << 40), $0, every: 10) })),
            ("day", .dates((0..<rows).map { maybe(Int32(truncatingIfNeeded: random.next() % 200_000) - 100_000, $0, every: 11) })),
            ("nulls", .int64s([Int64?](repeating: nil, count: rows))),
        ])
    }

    func expectPeerReads(_ frame: DataFrame, _ path: String, engine: String) throws {
        let peer = try PeerValue.parsePeerTable(try Subprocess.python("parquet_peer.py", ["dump", path, "--engine", engine]))
        #expect(peer.names == frame.schema.names)
        let differences = PeerValue.differences(PeerValue.rows(of: frame), peer.rows, theirName: engine)
        #expect(differences.count == 0, "\(differences.examples.joined(separator: "\n"))")
    }

    static let writerVariants: [(String, CompressionCodec, Bool, Int)] = [
        ("snappy-dictionary", .snappy, true, 1_048_576),
        ("gzip-plain", .gzip, false, 1_048_576),
        ("none-small-groups", .uncompressed, true, 333),
    ]

    @Test(arguments: [0, 1, 2])
    func kiteWritesPyarrowAndDuckDBRead(variant: Int) async throws {
        let (name, codec, dictionary, rowGroupSize) = Self.writerVariants[variant]
        let directory = try TemporaryDirectory()
        let frame = try Self.allTypes(rows: 2_500)
        var configuration = ParquetWriter.Configuration()
        configuration.compression = codec
        configuration.useDictionary = dictionary
        configuration.rowGroupSize = rowGroupSize
        configuration.dataPageRowLimit = 700
        configuration.keyValueMetadata = [("kite.test", name)]
        let path = directory.file("\(name).parquet")
        try await ParquetWriter.write(frame, to: path, configuration: configuration)
        try expectPeerReads(frame, path, engine: "pyarrow")
        try expectPeerReads(frame, path, engine: "duckdb")
        let reader = try await ParquetReader(path: path)
        #expect(reader.metadata.keyValueMetadata.contains { $0.key == "kite.test" && $0.value == name })
        #expect(reader.rowGroupCount == (2_500 + rowGroupSize - 1) / rowGroupSize)
        #expect(PeerValue.rows(of: try await reader.read()) == PeerValue.rows(of: frame))
    }

    @Test(arguments: ["default", "nodict", "v2", "gzip", "none", "smallpages", "fallback", "delta", "checksums"])
    func pyarrowWritesKiteReads(variant: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("\(variant).parquet")
        _ = try Subprocess.python("parquet_peer.py", ["write", path, variant, "3000"])
        try await ConformanceTests.expectSameAsPyarrow(path)
        let schema = try await ParquetReader(path: path).schema
        #expect(schema.fields.map(\.type) == [.bool, .int32, .int64, .float32, .float64, .string, .binary, .timestamp, .date, .int64])
        #expect(schema.fields.last?.nullable == false)
    }

    /// Text and binary columns read as codes hold, row for row, what a plain read holds (nulls as -1): from
    /// dictionary pages, plain pages, dictionaries that fill up mid-chunk, and other encodings.
    @Test(arguments: ["default", "nodict", "smallpages", "fallback", "delta", "v2"])
    func codedReadsEqualPlainReads(variant: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("\(variant).parquet")
        _ = try Subprocess.python("parquet_peer.py", ["write", path, variant, "3000"])
        let reader = try await ParquetReader(path: path)
        var mostValues = 0
        for group in 0..<reader.rowGroupCount {
            let frame = try await reader.readRowGroup(group, columns: ["s", "bin"])
            let coded = try await reader.readCoded(rowGroup: group, columns: ["s", "bin"])
            for (column, codes) in zip(frame.columns, coded) {
                guard case .bytes(let offsets, let data) = column.values else { throw KiteError.corrupt("not a byte column") }
                #expect(codes.codes.count == frame.rowCount)
                for row in 0..<frame.rowCount {
                    let code = Int(codes.codes[row])
                    let value = code < 0 ? nil : Array(codes.data[codes.offsets[code]..<codes.offsets[code + 1]])
                    #expect(value == (column.isNull(row) ? nil : Array(data[offsets[row]..<offsets[row + 1]])), "row group \(group), row \(row)")
                }
            }
            mostValues = max(mostValues, coded[0].valueCount)
        }
        // 56 distinct words: a dictionary holds each once; a chunk that fell back to plain adds a value per row.
        if variant == "default" || variant == "smallpages" { #expect(mostValues <= 56) }
        if variant == "fallback" || variant == "nodict" { #expect(mostValues > 56) }
        await #expect(throws: KiteError.self) { try await reader.readCoded(rowGroup: 0, columns: ["i64"]) }
        await #expect(throws: KiteError.self) { try await reader.readCoded(rowGroup: reader.rowGroupCount, columns: ["s"]) }
        await #expect(throws: KiteError.self) { try await reader.readCoded(rowGroup: 0, columns: ["nope"]) }
    }

    /// A data page v2 with no values but marked compressed (an all-null page as some writers store it) reads
    /// as pyarrow reads it, without handing the codec an empty block.
    @Test func dataPageV2WithEmptyCompressedValues() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("v2-empty.parquet")
        _ = try Subprocess.python("parquet_peer.py", ["v2-empty-values", path])
        try await ConformanceTests.expectSameAsPyarrow(path)
        let frame = try await ParquetReader(path: path).read()
        #expect(frame.rowCount == 10 && frame.columns[1].nullCount == 10)
    }

    @Test(arguments: ["logical", "logical-int"])
    func logicalTypesFromPyarrow(variant: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("\(variant).parquet")
        _ = try Subprocess.python("parquet_peer.py", ["write", path, variant, "2000"])
        try await ConformanceTests.expectSameAsPyarrow(path)
        let schema = try await ParquetReader(path: path).schema
        #expect(
            schema.fields.map(\.type) == [
                .int32, .int32, .int32, .int32, .int64, .int64, .float64, .float64, .float64, .timestamp, .timestamp,
                .timestamp, .string,
            ])
    }

    @Test func edgeShapes() async throws {
        let directory = try TemporaryDirectory()
        let full = try Self.allTypes(rows: 20)
        for (name, frame) in [
            ("empty", try full.slice(0..<0)), ("single", try full.slice(5..<6)),
            ("allnull", try full.select(["nulls"])),
        ] {
            let path = directory.file("\(name).parquet")
            try await ParquetWriter.write(frame, to: path)
            try expectPeerReads(frame, path, engine: "pyarrow")
            try expectPeerReads(frame, path, engine: "duckdb")
            let back = try await ParquetReader(path: path).read()
            #expect(back.schema == frame.schema)
            #expect(PeerValue.rows(of: back) == PeerValue.rows(of: frame))
        }
        // Empty frames and a single row from pyarrow.
        for rows in ["0", "1"] {
            let path = directory.file("py\(rows).parquet")
            _ = try Subprocess.python("parquet_peer.py", ["write", path, "default", rows])
            try await ConformanceTests.expectSameAsPyarrow(path)
        }
    }

    @Test func threeMillionRowsBothWays() async throws {
        let directory = try TemporaryDirectory()
        let rows = 3_000_000
        let ids = (0..<rows).map { Int64($0) }
        let frame = try DataFrame([
            ("id", .int64s(ids)),
            ("x", .float64s((0..<rows).map { $0 % 10 == 0 ? nil : Double($0) * 0.5 })),
            ("s", .strings((0..<rows).map { "k\($0 % 1000)" })),
        ])
        let path = directory.file("big.parquet")
        try await ParquetWriter.write(frame, to: path)
        let aggregate =
            try JSONSerialization.jsonObject(
                with: Data(try Subprocess.python("parquet_peer.py", ["aggregate", path]).utf8)) as? [String: Any]
        #expect(aggregate?["rows"] as? Int == rows)
        let x = aggregate?["x"] as? [String: Any]
        #expect(x?["nulls"] as? Int == rows / 10)
        let expectedX = (0..<rows).filter { $0 % 10 != 0 }.reduce(0.0) { $0 + Double($1) * 0.5 }
        #expect(Double(x?["sum"] as? String ?? "") == expectedX)
        #expect((aggregate?["id"] as? [String: Any])?["sum"] as? String == String(rows * (rows - 1) / 2))
        #expect((aggregate?["s"] as? [String: Any])?["bytes"] as? Int == (0..<rows).reduce(0) { $0 + "k\($1 % 1000)".utf8.count })

        let pyPath = directory.file("py-big.parquet")
        _ = try Subprocess.python("parquet_peer.py", ["write", pyPath, "default", String(rows)])
        let reader = try await ParquetReader(path: pyPath)
        let back = try await reader.read(columns: ["req", "i64", "s"])
        #expect(back.rowCount == rows)
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(try Subprocess.python("parquet_peer.py", ["aggregate", pyPath]).utf8)) as? [String: Any]
        guard case .int64(let req) = back.columns[0].values else {
            Issue.record("req is not int64")
            return
        }
        #expect(String(req.reduce(0, +)) == (expected?["req"] as? [String: Any])?["sum"] as? String)
        #expect(back.columns[1].nullCount == (expected?["i64"] as? [String: Any])?["nulls"] as? Int)
        guard case .bytes(_, let data) = back.columns[2].values else {
            Issue.record("s is not bytes")
            return
        }
        #expect(data.count == (expected?["s"] as? [String: Any])?["bytes"] as? Int)
    }

    @Test func kiteStatisticsMatchTheData() async throws {
        let directory = try TemporaryDirectory()
        let frame = try Self.allTypes(rows: 500)
        let path = directory.file("stats.parquet")
        try await ParquetWriter.write(frame, to: path)
        let reader = try await ParquetReader(path: path)
        for column in reader.columns {
            let stats = try #require(reader.statistics(rowGroup: 0, column: column))
            let data = try frame.column(column.name)
            #expect(stats.nullCount == data.nullCount)
            let values = (0..<data.count).map { data.scalar(at: $0) }.filter { !$0.isNull }
            switch data.type {
            case .int64, .int32, .timestamp, .date:
                let numbers = data.doubles().filter { !$0.isNaN }
                if let low = numbers.min() { #expect(stats.min.map(PeerValue.init) == PeerValue(values.first { Self.number($0) == low }!)) }
            case .float64:
                let numbers = data.doubles().filter { !$0.isNaN }
                #expect(stats.min == .double(numbers.min()!))
                #expect(stats.max == .double(numbers.max()!))
            case .string:
                #expect(stats.min == .string(""))
            default:
                break
            }
            if values.isEmpty { #expect(stats.min == nil && stats.max == nil) }
        }
    }

    static func number(_ scalar: Scalar) -> Double? {
        switch scalar {
        case .int(let v), .timestamp(let v): Double(v)
        case .date(let v): Double(v)
        default: nil
        }
    }

    @Test func failedWriteLeavesTheOldFile() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("keep.parquet")
        let original = try Self.allTypes(rows: 10)
        try await ParquetWriter.write(original, to: path)
        let writer = try await ParquetWriter(path: path, schema: original.schema)
        try await writer.write(original)
        await #expect(throws: KiteError.self) { try await writer.write(try original.select(["b"])) }
        await writer.abort()
        #expect(PeerValue.rows(of: try await ParquetReader(path: path).read()) == PeerValue.rows(of: original))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(leftovers == ["keep.parquet"])
    }
}
