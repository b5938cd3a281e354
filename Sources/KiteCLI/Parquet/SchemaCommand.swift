import ArgumentParser
import KiteCore
import ObjectStorage
import Parquet

/// `kite parquet schema FILE`.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print a Parquet file's columns with their Parquet and Kite types."
    )

    @Argument(help: "The Parquet file: a path or s3://bucket/key.")
    var file: String

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        let reader = try await ParquetReader(source: try await StoragePath.source(file, s3: s3))
        var out = "\(file): \(reader.rowCount) rows, \(reader.rowGroupCount) row groups, \(reader.columns.count) columns\n"
        let rows = reader.columns.map { column -> [String] in
            var physical = "\(column.physicalType)"
            if column.physicalType == .fixedLenByteArray { physical += "(\(column.typeLength))" }
            let repetition = ["required", "optional", "repeated"][Int(column.repetition.rawValue)]
            return [
                column.name, column.dataType.map { "\($0)" } ?? "unsupported",
                "\(repetition) \(physical)" + (column.logicalType.map { " \($0)" } ?? ""),
            ]
        }
        let widths = (0..<2).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            out +=
                "  "
                + (0..<2).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }
                .joined(separator: "  ") + "  " + row[2] + "\n"
        }
        if let createdBy = reader.metadata.createdBy { out += "created by: \(createdBy)\n" }
        Terminal.standardOutput(out)
    }
}
