import Foundation
import KiteCore
import ObjectStorage

/// Paths on the command line: a local path (or `file:PATH`) or `s3://bucket/key`, with S3's endpoint and
/// credentials from the standard `AWS_*` environment variables (the CLI is the one place that reads them).
enum StoragePath {
    /// S3 settings from the environment.
    static func s3Configuration() throws -> S3Configuration {
        try S3Configuration(environment: ProcessInfo.processInfo.environment)
    }

    /// A random-access source for reading `path`.
    static func source(_ path: String) async throws -> any ByteSource {
        try await ObjectStores.source(path, s3: try s3Configuration())
    }

    /// A sink that writes `path` and makes it appear only when committed.
    static func sink(_ path: String) async throws -> any ByteSink {
        try await ObjectStores.sink(path, s3: try s3Configuration())
    }

    /// The whole content of `path`.
    static func readAll(_ path: String) async throws -> [UInt8] {
        let source = try await source(path)
        return try await source.read(0..<(try await source.size()))
    }

    /// Writes `path`: `body` fills the sink, which is committed, or abandoned if anything fails.
    static func write(_ path: String, _ body: (inout any ByteSink) async throws -> Void) async throws {
        var sink = try await sink(path)
        do {
            try await body(&sink)
            try await sink.commit()
        } catch {
            await sink.abort()
            throw error
        }
    }
}
