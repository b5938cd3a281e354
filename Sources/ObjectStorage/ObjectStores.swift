import KiteCore

/// Opens the store a location URL names: one factory chooses the backend by scheme. S3 locations need the
/// caller's `S3Client`; local paths need none.
public enum ObjectStores {
    /// The store that holds `url` and the key of `url` within it: for `s3://bucket/a/b.parquet` an S3 store of
    /// `bucket` and the key `a/b.parquet`; for a local path, a store rooted at its folder and the file name.
    public static func open(_ url: String, s3: S3Client? = nil) throws -> (store: any ObjectStore, key: String) {
        switch try ObjectLocation(url) {
        case .s3(let bucket, let key):
            guard !key.isEmpty else { throw KiteError.invalidArgument("'\(url)' names a bucket but no object key") }
            return (try S3ObjectStore(bucket: bucket, client: try client(s3, for: url)), key)
        case .file(let path):
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { String(path[..<$0]) } ?? "."
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            guard !name.isEmpty else { throw KiteError.invalidArgument("'\(url)' names a folder, not a file") }
            return (try LocalObjectStore(root: folder.isEmpty ? "/" : folder), name)
        }
    }

    /// The store a folder-like URL names (`file:data`, `s3://bucket/prefix`), with keys relative to it.
    public static func openFolder(_ url: String, s3: S3Client? = nil) throws -> any ObjectStore {
        switch try ObjectLocation(url) {
        case .s3(let bucket, let prefix): return try S3ObjectStore(bucket: bucket, prefix: prefix, client: try client(s3, for: url))
        case .file(let path): return try LocalObjectStore(root: path, create: true)
        }
    }

    /// A random-access source for reading the file at `url` (a local path, `file:PATH` or `s3://bucket/key`).
    public static func source(_ url: String, s3: S3Client? = nil) async throws -> any ByteSource {
        switch try ObjectLocation(url) {
        case .file(let local): return try LocalFileSource(path: local)
        case .s3:
            let (store, key) = try open(url, s3: s3)
            return try await ObjectStoreSource(store: store, key: key)
        }
    }

    /// A sink that writes the file at `url` and makes it appear only when committed.
    public static func sink(_ url: String, s3: S3Client? = nil) async throws -> any ByteSink {
        switch try ObjectLocation(url) {
        case .file(let local): return try LocalFileSink(path: local)
        case .s3:
            let (store, key) = try open(url, s3: s3)
            return try await store.makeSink(for: key)
        }
    }

    private static func client(_ s3: S3Client?, for url: String) throws -> S3Client {
        guard let s3 else { throw KiteError.unsupported("'\(url)' is on S3, and this caller has no S3 client") }
        return s3
    }
}
