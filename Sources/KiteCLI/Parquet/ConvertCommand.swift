import ArgumentParser
import Features
import KiteCore
import ObjectStorage
import Parquet

/// `kite parquet convert IN OUT`.
struct ConvertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert CSV to Parquet, Parquet to CSV, or rewrite Parquet with other settings.",
        discussion: """
            The format of each side comes from its extension (.csv or .parquet). CSV column types are inferred \
            (bool, int64, float64, date, timestamp, else string) unless --schema gives them, e.g. \
            --schema "id:int64,amount:float64,at:timestamp". The output appears only when complete.
            """
    )

    @Argument(help: "The input file (.csv or .parquet): a path or s3://bucket/key.")
    var input: String

    @Argument(help: "The output file (.csv or .parquet): a path or s3://bucket/key.")
    var output: String

    @Option(help: "Parquet compression: snappy, gzip or none.")
    var compression: String = "snappy"

    @Option(help: "Rows per Parquet row group.")
    var rowGroupSize: Int = ParquetWriter.Configuration.defaultRowGroupSize

    @Option(help: "Column types for CSV input, as name:type pairs separated by commas.")
    var schema: String?

    func validate() throws {
        guard rowGroupSize > 0 else { throw ValidationError("--row-group-size must be at least 1") }
        _ = try parsedCompression()
        for path in [input, output] where format(of: path) == nil {
            throw ValidationError("'\(path)' must end in .csv or .parquet")
        }
    }

    private func parsedCompression() throws -> CompressionCodec {
        do { return try CompressionCodec(name: compression) } catch let error as KiteError {
            throw ValidationError(error.message)
        }
    }

    private func format(of path: String) -> String? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return "csv" }
        if lower.hasSuffix(".parquet") || lower.hasSuffix(".pq") { return "parquet" }
        return nil
    }

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        var configuration = ParquetWriter.Configuration()
        configuration.compression = try parsedCompression()
        configuration.rowGroupSize = rowGroupSize
        let toCSV = format(of: output) == "csv"
        var rows = 0
        if format(of: input) == "csv" {
            let frame = try await TableReader.read(input, s3: s3, csvSchema: try schema.map(Self.parseSchema))
            if toCSV {
                try await StoragePath.write(output, s3: s3) { try await $0.write(Array(CSVWriter.write(frame).utf8)) }
            } else {
                let writer = try await ParquetWriter(sink: try await StoragePath.sink(output, s3: s3), schema: frame.schema, configuration: configuration)
                try await writer.write(frame)
                try await writer.close()
            }
            rows = frame.rowCount
        } else {
            // Parquet input streams one row group at a time, so memory stays bounded by the row group size.
            let reader = try await ParquetReader(source: try await StoragePath.source(input, s3: s3))
            configuration.timestampStorage = reader.timestampStorage
            var progress = ProgressReporter(total: reader.rowCount, unit: "rows")
            defer { progress.finish() }
            if toCSV {
                try await StoragePath.write(output, s3: s3) { sink in
                    try await sink.write(Array(CSVWriter.write(DataFrame(empty: reader.schema)).utf8))
                    for group in 0..<reader.rowGroupCount {
                        let frame = try await reader.readRowGroup(group)
                        try await sink.write(Array(CSVWriter.write(frame, header: false).utf8))
                        progress.advance(by: frame.rowCount)
                    }
                }
            } else {
                let writer = try await ParquetWriter(sink: try await StoragePath.sink(output, s3: s3), schema: reader.schema, configuration: configuration)
                for group in 0..<reader.rowGroupCount {
                    let frame = try await reader.readRowGroup(group)
                    try await writer.write(frame)
                    progress.advance(by: frame.rowCount)
                }
                try await writer.close()
            }
            rows = reader.rowCount
        }
        Terminal.standardError("wrote \(rows) rows to \(output)")
    }

    /// Parses `name:type,name:type`.
    static func parseSchema(_ text: String) throws -> Schema {
        try Schema(
            text.split(separator: ",").map { pair in
                let parts = pair.split(separator: ":", maxSplits: 1).map { String($0).trimmingSpaces() }
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw KiteError.invalidArgument("--schema entry '\(pair)' is not name:type")
                }
                return Field(parts[0], try DataType(name: parts[1]))
            })
    }
}
