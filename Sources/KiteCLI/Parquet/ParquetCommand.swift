import ArgumentParser

/// `kite parquet`: look inside, print and convert Parquet files.
struct ParquetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Inspect, print and convert Parquet files.",
        discussion: """
            Kite reads the Parquet files that pyarrow, DuckDB and Spark write (flat schemas; SNAPPY, GZIP or no \
            compression) and writes files they read.

            Wherever a file is expected, s3://bucket/key works too. S3 settings come from the standard \
            environment variables: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, and \
            AWS_ENDPOINT_URL for S3-compatible servers (MinIO, moto, Ceph, R2), which are addressed path-style \
            unless KITE_S3_ADDRESSING=virtual.
            """,
        subcommands: [SchemaCommand.self, StatsCommand.self, CatCommand.self, ConvertCommand.self]
    )
}
