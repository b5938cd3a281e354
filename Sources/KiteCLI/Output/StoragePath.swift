import Foundation
import KiteCore
import Logging
import ObjectStorage

/// Paths on the command line: a local path (or `file:PATH`) or `s3://bucket/key`, with S3's endpoint and
/// credentials from the standard `AWS_*` environment variables (the CLI is the one place that reads them).
enum StoragePath {
    /// S3 settings from the environment.
    static func s3Configuration() throws -> S3Configuration {
        try S3Configuration(environment: ProcessInfo.processInfo.environment)
    }

    /// Runs `body` with an S3 client set up from the environment, shut down when `body` ends.
    static func withS3<T>(_ body: (S3Client) async throws -> T) async throws -> T {
        try await S3Client.with(configuration: try s3Configuration(), logger: Logger(label: "kite.s3"), body)
    }

    /// A random-access source for reading `path`.
    static func source(_ path: String, s3: S3Client) async throws -> any ByteSource {
        try await ObjectStores.source(path, s3: s3)
    }

    /// A sink that writes `path` and makes it appear only when committed.
    static func sink(_ path: String, s3: S3Client) async throws -> any ByteSink {
        try await ObjectStores.sink(path, s3: s3)
    }

    /// Writes `path`: `body` fills the sink, which is committed, or abandoned if anything fails.
    static func write(_ path: String, s3: S3Client, _ body: (inout any ByteSink) async throws -> Void) async throws {
        var sink = try await sink(path, s3: s3)
        do {
            try await body(&sink)
            try await sink.commit()
        } catch {
            await sink.abort()
            throw error
        }
    }
}
