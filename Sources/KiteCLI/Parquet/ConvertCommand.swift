import ArgumentParser
import KiteCore
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

    @Argument(help: "The input file (.csv or .parquet).")
    var input: String

    @Argument(help: "The output file (.csv or .parquet).")
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
        let frame: DataFrame
        if format(of: input) == "csv" {
            let source = try LocalFileSource(path: input)
            let bytes = try source.readSync(0..<(try await source.size()))
            frame = try CSVReader.read(bytes, schema: try schema.map(Self.parseSchema))
        } else {
            frame = try await ParquetReader(path: input).read()
        }
        if format(of: output) == "csv" {
            var sink = try LocalFileSink(path: output)
            try await sink.write(Array(CSVWriter.write(frame).utf8))
            try await sink.commit()
        } else {
            var configuration = ParquetWriter.Configuration()
            configuration.compression = try parsedCompression()
            configuration.rowGroupSize = rowGroupSize
            try await ParquetWriter.write(frame, to: output, configuration: configuration)
        }
        Terminal.standardError("wrote \(frame.rowCount) rows to \(output)")
    }

    /// Parses `name:type,name:type`.
    static func parseSchema(_ text: String) throws -> Schema {
        try Schema(text.split(separator: ",").map { pair in
            let parts = pair.split(separator: ":", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw KiteError.invalidArgument("--schema entry '\(pair)' is not name:type")
            }
            return Field(parts[0], try DataType(name: parts[1]))
        })
    }
}
