import ArgumentParser
import KiteCore
import Parquet

/// `kite parquet schema FILE`.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print a Parquet file's columns with their Parquet and Kite types."
    )

    @Argument(help: "The Parquet file.")
    var file: String

    func run() async throws {
        let reader = try await ParquetReader(path: file)
        var out = "\(file): \(reader.rowCount) rows, \(reader.rowGroupCount) row groups, \(reader.columns.count) columns\n"
        let nameWidth = reader.columns.map(\.name.count).max() ?? 0
        for column in reader.columns {
            var physical = "\(column.physicalType)"
            if column.physicalType == .fixedLenByteArray { physical += "(\(column.typeLength))" }
            let logical = column.logicalType.map { " \($0)" } ?? ""
            let kite = column.dataType.map { "\($0)" } ?? "unsupported: nested or repeated"
            let padding = String(repeating: " ", count: nameWidth - column.name.count)
            let repetition = column.repetition == .required ? "required" : (column.repetition == .optional ? "optional" : "repeated")
            out += "  \(column.name)\(padding)  \(kite)  (\(repetition) \(physical)\(logical))\n"
        }
        if let createdBy = reader.metadata.createdBy { out += "created by: \(createdBy)\n" }
        Terminal.standardOutput(out)
    }
}
