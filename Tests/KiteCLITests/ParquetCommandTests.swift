import Foundation
import KiteCore
import KiteTesting
import Parquet
import Testing

/// `kite parquet …` run as a user runs it: the built binary, its output and exit status.
@Suite struct ParquetCommandTests {
    static func kite(_ arguments: String...) throws -> ProcessResult {
        try Subprocess.run(TestEnvironment.kiteBinary, arguments)
    }

    static let alltypes = TestEnvironment.testData("parquet-testing/alltypes_plain.parquet")

    @Test func schemaListsColumnsAndTypes() throws {
        let result = try Self.kite("parquet", "schema", Self.alltypes)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("8 rows, 1 row groups, 11 columns"))
        #expect(result.standardOutput.contains("  timestamp_col    timestamp  optional INT96\n"))
        #expect(result.standardOutput.contains("  string_col       binary     optional BYTE_ARRAY\n"))
    }

    @Test func statsShowCodecsEncodingsAndMinMax() throws {
        let directory = try TemporaryDirectory()
        let csv = directory.file("in.csv")
        try "id,name\n3,c\n1,a\n2,\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let parquet = directory.file("out.parquet")
        #expect(try Self.kite("parquet", "convert", csv, parquet).status == 0)
        let result = try Self.kite("parquet", "stats", parquet)
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("3 rows, 1 row groups"))
        #expect(result.standardOutput.contains("id: SNAPPY PLAIN,RLE,RLE_DICTIONARY"))
        #expect(result.standardOutput.contains("min 1, max 3, nulls 0"))
        #expect(result.standardOutput.contains("min a, max c, nulls 1"))
    }

    @Test func catJSONLinesHasTypedValues() throws {
        let result = try Self.kite(
            "parquet", "cat", Self.alltypes, "--columns", "id,bool_col,double_col,string_col,timestamp_col", "--limit", "2", "--format", "jsonl")
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(
            lines == [
                #"{"id":4,"bool_col":true,"double_col":0.0,"string_col":"MA==","timestamp_col":"2009-03-01T00:00:00.000000Z"}"#,
                #"{"id":5,"bool_col":false,"double_col":10.1,"string_col":"MQ==","timestamp_col":"2009-03-01T00:01:00.000000Z"}"#,
            ])
    }

    @Test func catNonFiniteAndNullInJSONAndCSV() throws {
        let directory = try TemporaryDirectory()
        let csv = directory.file("in.csv")
        try "x,s\nNaN,\"a,b\"\nInfinity,\n,plain\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let parquet = directory.file("out.parquet")
        #expect(try Self.kite("parquet", "convert", csv, parquet).status == 0)
        let json = try Self.kite("parquet", "cat", parquet, "--format", "jsonl")
        #expect(json.standardOutput == "{\"x\":\"NaN\",\"s\":\"a,b\"}\n{\"x\":\"Infinity\",\"s\":null}\n{\"x\":null,\"s\":\"plain\"}\n")
        let csvOut = try Self.kite("parquet", "cat", parquet, "--format", "csv")
        #expect(csvOut.standardOutput == "x,s\nNaN,\"a,b\"\nInfinity,\n,plain\n")
        let table = try Self.kite("parquet", "cat", parquet, "--format", "table")
        #expect(table.standardOutput.contains("Infinity  null"))
    }

    @Test func convertRoundTripsAndRecompresses() async throws {
        let directory = try TemporaryDirectory()
        let csv = directory.file("in.csv")
        var text = "id,amount,at\n"
        for i in 0..<1000 { text += "\(i),\(Double(i) / 4),2024-01-01T00:00:\(String(format: "%02d", i % 60))Z\n" }
        try text.write(toFile: csv, atomically: true, encoding: .utf8)
        let parquet = directory.file("a.parquet")
        #expect(try Self.kite("parquet", "convert", csv, parquet, "--schema", "id:int32,amount:float64,at:timestamp").status == 0)
        let gzip = directory.file("b.parquet")
        #expect(try Self.kite("parquet", "convert", parquet, gzip, "--compression", "gzip", "--row-group-size", "300").status == 0)
        let reader = try await ParquetReader(path: gzip)
        #expect(reader.rowGroupCount == 4)
        #expect(reader.metadata.rowGroups[0].columns[0].codec == .gzip)
        #expect(reader.schema.fields.map(\.type) == [.int32, .float64, .timestamp])
        let back = directory.file("back.csv")
        #expect(try Self.kite("parquet", "convert", gzip, back).status == 0)
        let original = try CSVReader.read(Array(text.utf8))
        let reread = try CSVReader.read(Array(try String(contentsOfFile: back, encoding: .utf8).utf8))
        #expect(CSVWriter.write(reread) == CSVWriter.write(original))
    }

    @Test func badInputPrintsOneLineAndFails() throws {
        let directory = try TemporaryDirectory()
        let notParquet = directory.file("x.parquet")
        try "hello".write(toFile: notParquet, atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["parquet", "cat", "/nonexistent.parquet"],
            ["parquet", "cat", notParquet],
            ["parquet", "cat", Self.alltypes, "--format", "xml"],
            ["parquet", "cat", Self.alltypes, "--columns", "nope"],
            ["parquet", "convert", Self.alltypes, directory.file("o.parquet"), "--compression", "lzma"],
            ["parquet", "convert", Self.alltypes, directory.file("o.txt")],
            ["parquet", "stats"],
        ]
        for arguments in cases {
            let result = try Subprocess.run(TestEnvironment.kiteBinary, arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.standardOutput.isEmpty, "\(arguments)")
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: "), "\(arguments): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("o.parquet")))
    }

    @Test func helpExplains() throws {
        let result = try Self.kite("parquet", "cat", "--help")
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("--format"))
        #expect(result.standardOutput.contains("RFC 3339"))
    }
}
