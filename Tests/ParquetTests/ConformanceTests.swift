import Foundation
import KiteCore
import KiteTesting
import Parquet
import Testing

/// The parquet-testing corpus (files from Impala, parquet-mr, Spark and pyarrow) against pyarrow's reading.
@Suite struct ConformanceTests {
    static let flatFiles = [
        "alltypes_dictionary.parquet", "alltypes_plain.parquet", "alltypes_plain.snappy.parquet", "binary.parquet",
        "byte_stream_split_extended.gzip.parquet", "datapage_v1-snappy-compressed-checksum.parquet",
        "datapage_v1-uncompressed-checksum.parquet", "delta_binary_packed.parquet", "delta_byte_array.parquet",
        "delta_encoding_optional_column.parquet", "delta_encoding_required_column.parquet",
        "int32_with_null_pages.parquet", "rle_boolean_encoding.parquet",
    ]

    static func path(_ name: String) -> String { TestEnvironment.testData("parquet-testing/\(name)") }

    /// Kite's values equal pyarrow's, column by column, row by row.
    static func expectSameAsPyarrow(_ file: String, columns: [String]? = nil) async throws {
        let frame = try await ParquetReader(path: file).read(columns: columns)
        var arguments = ["dump", file]
        if let columns { arguments += ["--columns", columns.joined(separator: ",")] }
        let peer = try PeerValue.parsePeerTable(try Subprocess.python("parquet_peer.py", arguments))
        #expect(peer.names == frame.schema.names)
        let differences = PeerValue.differences(PeerValue.rows(of: frame), peer.rows, theirName: "pyarrow")
        #expect(differences.count == 0, "\(file): \(differences.examples.joined(separator: "\n"))")
    }

    @Test(arguments: flatFiles)
    func flatFileMatchesPyarrow(name: String) async throws {
        try await Self.expectSameAsPyarrow(Self.path(name))
    }

    @Test(arguments: [
        "delta_binary_packed", "delta_byte_array", "delta_encoding_optional_column", "delta_encoding_required_column",
    ])
    func matchesExpectedCSV(name: String) async throws {
        let frame = try await ParquetReader(path: Self.path("\(name).parquet")).read()
        let csv = try String(contentsOfFile: Self.path("\(name)_expect.csv"), encoding: .utf8)
        let records = try CSVReader.records(Array(csv.utf8)).dropFirst()
        #expect(records.count == frame.rowCount)
        for (row, record) in records.enumerated() {
            let ours = frame.columns.map { ValueText.text($0.scalar(at: row)) }
            #expect(ours == record, "row \(row)")
            if ours != record { break }
        }
    }

    @Test func corruptChecksumIsRejected() async throws {
        let reader = try await ParquetReader(path: Self.path("datapage_v1-corrupt-checksum.parquet"))
        await #expect { try await reader.read() } throws: { error in
            (error as? KiteError)?.code == .checksumMismatch
        }
    }

    @Test func nestedColumnsOpenAndTheOthersRead() async throws {
        for name in ["datapage_v2.snappy.parquet", "nulls.snappy.parquet"] {
            let reader = try await ParquetReader(path: Self.path(name))
            let nested = reader.columns.filter { $0.dataType == nil }
            #expect(!nested.isEmpty)
            for column in nested {
                await #expect {
                    try await reader.read(columns: [column.name])
                } throws: { error in
                    let error = error as? KiteError
                    return error?.code == .unsupported && error?.message.contains(column.name) == true
                }
            }
            let flat = reader.columns.filter { $0.dataType != nil }.map(\.name)
            if !flat.isEmpty { try await Self.expectSameAsPyarrow(Self.path(name), columns: flat) }
        }
    }

    @Test func zstdGivesUnsupportedCodecError() async throws {
        let reader = try await ParquetReader(path: Self.path("delta_length_byte_array.parquet"))
        await #expect {
            try await reader.read()
        } throws: { error in
            let error = error as? KiteError
            return error?.code == .unsupported && error?.message.contains("ZSTD") == true
                && error?.message.contains("FRUIT") == true
        }
    }

    @Test func projectionKeepsTheOrderAsked() async throws {
        let reader = try await ParquetReader(path: Self.path("alltypes_plain.parquet"))
        let frame = try await reader.read(columns: ["timestamp_col", "id"])
        #expect(frame.schema.names == ["timestamp_col", "id"])
        #expect(frame.schema.fields.map(\.type) == [.timestamp, .int32])
        #expect(frame.columns[0].scalar(at: 0) == .timestamp(try Timestamp.parse("2009-03-01T00:00:00Z")))
        await #expect(throws: KiteError.self) { try await reader.read(columns: ["nope"]) }
    }
}
