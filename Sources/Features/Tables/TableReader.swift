import KiteCore
import ObjectStorage
import Parquet

/// Reads a table a user names: a Parquet file, or CSV when the name ends in `.csv`; a local path, `file:PATH` or
/// `s3://bucket/key`. Errors name the file.
public enum TableReader {
    /// The whole table at `location`; `csvSchema` fixes CSV columns' types (inferred otherwise).
    public static func read(_ location: String, s3: S3Client, csvSchema: Schema? = nil) async throws -> DataFrame {
        let source = try await ObjectStores.source(location, s3: s3)
        guard location.lowercased().hasSuffix(".csv") else { return try await ParquetReader(source: source).read() }
        let bytes = try await source.read(0..<(try await source.size()))
        do {
            return try CSVReader.read(bytes, schema: csvSchema)
        } catch let error as KiteError {
            throw KiteError(error.code, "\(location): \(error.message)", cause: error.cause)
        }
    }
}
