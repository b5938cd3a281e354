import KiteCore
import ObjectStorage
import Parquet

/// Reads a table a user names: a Parquet file, or CSV when the name ends in `.csv`; a local path, `file:PATH` or
/// `s3://bucket/key`. Errors name the file.
public enum TableReader {
    /// The whole table at `location`; `csvSchema` fixes CSV columns' types (inferred otherwise).
    public static func read(_ location: String, s3: S3Client, csvSchema: Schema? = nil) async throws -> DataFrame {
        try await readKeepingStorage(location, s3: s3, csvSchema: csvSchema).frame
    }

    /// The whole table, and how a Parquet table stores its timestamp columns (a CSV has no such thing), so
    /// columns passed through can be written back in their own unit and time zone.
    public static func readKeepingStorage(
        _ location: String, s3: S3Client, csvSchema: Schema? = nil
    ) async throws -> (frame: DataFrame, timestampStorage: [String: TimestampStorage]) {
        let source = try await ObjectStores.source(location, s3: s3)
        guard location.lowercased().hasSuffix(".csv") else {
            let reader = try await ParquetReader(source: source)
            return (try await reader.read(), reader.timestampStorage)
        }
        let bytes = try await source.read(0..<(try await source.size()))
        do {
            return (try CSVReader.read(bytes, schema: csvSchema), [:])
        } catch let error as KiteError {
            throw KiteError(error.code, "\(location): \(error.message)", cause: error.cause)
        }
    }
}
