import ArgumentParser

/// `kite parquet`: look inside, print and convert Parquet files.
struct ParquetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Inspect, print and convert Parquet files.",
        discussion: """
            Kite reads the Parquet files that pyarrow, DuckDB and Spark write (flat schemas; SNAPPY, GZIP or no \
            compression) and writes files they read.
            """,
        subcommands: [SchemaCommand.self, StatsCommand.self, CatCommand.self, ConvertCommand.self]
    )
}
