import ArgumentParser
import KiteCore
import ObjectStorage
import Parquet

/// Output formats of `kite parquet cat`.
enum RowFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, jsonl
}

/// `kite parquet cat FILE`.
struct CatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Print a Parquet file's rows as a table, CSV or JSON lines.",
        discussion: """
            jsonl writes one object per row with typed values: numbers as numbers, null as null, timestamps as \
            RFC 3339 with microseconds and Z, binary as base64, NaN and Infinity as the strings "NaN" and \
            "Infinity". The table format shows 20 rows unless --limit says otherwise.
            """
    )

    @Argument(help: "The Parquet file: a path or s3://bucket/key.")
    var file: String

    @Option(help: "Comma-separated column names to print (default: all).")
    var columns: String?

    @Option(help: "Print at most this many rows.")
    var limit: Int?

    @Option(help: "table, csv or jsonl (default: table on a terminal, jsonl otherwise).")
    var format: RowFormat?

    static let defaultTableRows = 20

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be zero or more") }
    }

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        let reader = try await ParquetReader(source: try await StoragePath.source(file, s3: s3))
        let names = columns.map { $0.split(separator: ",").map { String($0).trimmingSpaces() } }
        let format = self.format ?? (Terminal.standardOutputIsTerminal ? .table : .jsonl)
        var remaining = limit ?? (format == .table ? Self.defaultTableRows : Int.max)
        var wroteHeader = false
        var shown = 0
        for group in 0..<reader.rowGroupCount where remaining > 0 {
            let frame = try await reader.readRowGroup(group, columns: names)
            let rows = 0..<Swift.min(frame.rowCount, remaining)
            remaining -= rows.count
            shown += rows.count
            switch format {
            case .table:
                Terminal.standardOutput(TableFormatter.render(frame, rows: rows))
            case .csv:
                Terminal.standardOutput(CSVWriter.write(frame, rows: rows, header: !wroteHeader))
            case .jsonl:
                Terminal.standardOutput(Self.jsonLines(frame, rows: rows))
            }
            wroteHeader = true
        }
        if !wroteHeader && format != .jsonl {
            let frame = DataFrame(empty: try names.map { try reader.schema.fieldsNamed($0) } ?? reader.schema)
            Terminal.standardOutput(format == .csv ? CSVWriter.write(frame) : TableFormatter.render(frame, rows: 0..<0))
        }
        if format == .table && shown < reader.rowCount {
            Terminal.standardOutput("… \(reader.rowCount - shown) more rows (use --limit N to see more)\n")
        }
    }

    /// One JSON object per row.
    static func jsonLines(_ frame: DataFrame, rows: Range<Int>) -> String {
        let keys = frame.schema.names.map { ValueText.quoted($0) + ":" }
        var out = ""
        for row in rows {
            out += "{"
            for (i, column) in frame.columns.enumerated() {
                if i > 0 { out += "," }
                out += keys[i] + ValueText.json(column.scalar(at: row))
            }
            out += "}\n"
        }
        return out
    }
}

extension Schema {
    /// A schema of the named fields of this one, in the order given.
    func fieldsNamed(_ names: [String]) throws -> Schema {
        try Schema(names.map { fields[try requireIndex(of: $0)] })
    }
}
