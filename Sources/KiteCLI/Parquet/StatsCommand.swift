import ArgumentParser
import KiteCore
import ObjectStorage
import Parquet

/// `kite parquet stats FILE`.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print row groups, codecs, encodings, sizes and min/max/null statistics."
    )

    @Argument(help: "The Parquet file: a path or s3://bucket/key.")
    var file: String

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        let reader = try await ParquetReader(source: try await StoragePath.source(file, s3: s3))
        var out = "\(file): \(reader.fileSize) bytes, \(reader.rowCount) rows, \(reader.rowGroupCount) row groups\n"
        if let createdBy = reader.metadata.createdBy { out += "created by: \(createdBy)\n" }
        for (key, value) in reader.metadata.keyValueMetadata where key != "ARROW:schema" {
            out += "metadata: \(key) = \(value ?? "")\n"
        }
        for (index, group) in reader.metadata.rowGroups.enumerated() {
            out += "row group \(index): \(group.rowCount) rows\n"
            for column in reader.columns {
                let chunk = group.columns[column.leafIndex]
                let stats = reader.statistics(rowGroup: index, column: column)
                let show = { (value: Scalar?) in value.map { ValueText.text($0) ?? "null" } ?? "-" }
                out += "  \(column.name): \(chunk.codec) "
                out += "\(chunk.encodings.map(\.description).joined(separator: ",")) "
                out += "compressed \(chunk.totalCompressedSize) B, uncompressed \(chunk.totalUncompressedSize) B, "
                out += "min \(show(stats?.min)), max \(show(stats?.max)), "
                out += "nulls \(stats?.nullCount.map(String.init) ?? "-")\n"
            }
        }
        Terminal.standardOutput(out)
    }
}
