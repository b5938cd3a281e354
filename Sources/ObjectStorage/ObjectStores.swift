import KiteCore

/// Opens the store a location URL names (see DESIGN.md: one factory function chooses the backend by scheme).
public enum ObjectStores {
    /// The store that holds `url` and the key of `url` within it: for `s3://bucket/a/b.parquet` an S3 store of
    /// `bucket` and the key `a/b.parquet`; for a local path, a store rooted at its folder and the file name.
    public static func open(_ url: String, s3: S3Configuration = S3Configuration()) throws -> (store: any ObjectStore, key: String) {
        switch try ObjectLocation(url) {
        case .s3(let bucket, let key):
            guard !key.isEmpty else { throw KiteError.invalidArgument("'\(url)' names a bucket but no object key") }
            return (try S3ObjectStore(bucket: bucket, configuration: s3), key)
        case .file(let path):
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { String(path[..<$0]) } ?? "."
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            guard !name.isEmpty else { throw KiteError.invalidArgument("'\(url)' names a folder, not a file") }
            return (try LocalObjectStore(root: folder.isEmpty ? "/" : folder), name)
        }
    }

    /// The store a folder-like URL names (`file:data`, `s3://bucket/prefix`), with keys relative to it.
    public static func openFolder(_ url: String, s3: S3Configuration = S3Configuration()) throws -> any ObjectStore {
        switch try ObjectLocation(url) {
        case .s3(let bucket, let prefix): return try S3ObjectStore(bucket: bucket, prefix: prefix, configuration: s3)
        case .file(let path): return try LocalObjectStore(root: path, create: true)
        }
    }

    /// A random-access source for reading the file at `url` (a local path, `file:PATH` or `s3://bucket/key`).
    public static func source(_ url: String, s3: S3Configuration = S3Configuration()) async throws -> any ByteSource {
        switch try ObjectLocation(url) {
        case .file(let local): return try LocalFileSource(path: local)
        case .s3:
            let (store, key) = try open(url, s3: s3)
            return try await ObjectStoreSource(store: store, key: key)
        }
    }

    /// A sink that writes the file at `url` and makes it appear only when committed.
    public static func sink(_ url: String, s3: S3Configuration = S3Configuration()) async throws -> any ByteSink {
        switch try ObjectLocation(url) {
        case .file(let local): return try LocalFileSink(path: local)
        case .s3:
            let (store, key) = try open(url, s3: s3)
            return try await store.makeSink(for: key)
        }
    }
}
