import KiteCore

/// What a store knows about one object.
public struct ObjectInfo: Sendable, Hashable {
    /// The object's key within its store.
    public var key: String
    /// The size in bytes.
    public var size: Int
    /// An opaque version tag: S3's ETag, or a size-and-mtime tag for local files.
    public var etag: String
    /// When it was last written, in microseconds since the epoch.
    public var lastModified: Int64

    /// Creates an object description.
    public init(key: String, size: Int, etag: String, lastModified: Int64) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// One result of listing: an object, or (with a delimiter) a prefix that groups several.
public enum ObjectListEntry: Sendable, Hashable {
    case object(ObjectInfo)
    case commonPrefix(String)
}

/// A place that holds objects by key: a local folder or an S3 bucket (see DESIGN.md, "Backends behind
/// protocols"). Keys are `/`-separated relative paths.
public protocol ObjectStore: Sendable {
    /// The store's location as a URL (`file:/data`, `s3://bucket/prefix`).
    var url: String { get }

    /// Stores `bytes` under `key`, replacing what was there; readers see the old object or the new one.
    func put(_ key: String, bytes: [UInt8]) async throws
    /// Stores the file at `path` under `key`, streaming it (multipart for large files on S3).
    func put(_ key: String, file path: String) async throws
    /// The whole object.
    func get(_ key: String) async throws -> [UInt8]
    /// The bytes in `range` of the object; the range must lie within it.
    func get(_ key: String, range: Range<Int>) async throws -> [UInt8]
    /// Size, tag and modification time; a missing key is a `not_found` error.
    func head(_ key: String) async throws -> ObjectInfo
    /// Removes the object; removing a missing key is not an error.
    func delete(_ key: String) async throws
    /// Objects whose keys start with `prefix`, in key order, fetched page by page as the sequence is iterated.
    /// With a delimiter, keys that continue past it are grouped into one `commonPrefix` entry.
    func list(prefix: String, delimiter: String?) -> ObjectListing
    /// Copies an object within the store.
    func copy(from source: String, to destination: String) async throws
    /// Moves an object within the store (atomically where the backend can).
    func rename(from source: String, to destination: String) async throws
    /// A sink that writes `key` as a stream and makes it visible only on `commit()`.
    func makeSink(for key: String) async throws -> any ByteSink
    /// Writes the object to the local file `path`, streaming, atomically.
    func download(_ key: String, toFile path: String) async throws
}

extension ObjectStore {
    /// Copy, then delete the source: for backends without an atomic rename.
    public func rename(from source: String, to destination: String) async throws {
        try await copy(from: source, to: destination)
        try await delete(source)
    }

    /// Streams the local file at `path` into `key` through the store's sink, 8 MiB at a time.
    public func put(_ key: String, file path: String) async throws {
        try await write(key, from: try LocalFileSource(path: path))
    }

    /// Streams everything `source` holds into `key`; nothing appears unless all of it was written.
    public func write(_ key: String, from source: any ByteSource) async throws {
        let size = try await source.size()
        var sink = try await makeSink(for: key)
        do {
            var offset = 0
            while offset < size {
                let end = Swift.min(size, offset + Self.streamChunk)
                try await sink.write(try await source.read(offset..<end))
                offset = end
            }
            try await sink.commit()
        } catch {
            await sink.abort()
            throw error
        }
    }

    /// How much a streaming copy holds in memory at once.
    static var streamChunk: Int { 8 << 20 }

    /// Streams the object in 8 MiB ranges into `path`.
    public func download(_ key: String, toFile path: String) async throws {
        let size = try await head(key).size
        var sink = try LocalFileSink(path: path)
        do {
            var offset = 0
            while offset < size {
                let end = Swift.min(size, offset + Self.streamChunk)
                try await sink.write(try await get(key, range: offset..<end))
                offset = end
            }
            try await sink.commit()
        } catch {
            await sink.abort()
            throw error
        }
    }

    /// Every object under `prefix`, without grouping.
    public func list(prefix: String) -> ObjectListing { list(prefix: prefix, delimiter: nil) }

    /// The keys of the Parquet files under `prefix`, in listing (key) order.
    public func parquetKeys(under prefix: String) async throws -> [String] {
        try await list(prefix: prefix).collect().compactMap { entry in
            guard case .object(let object) = entry, object.key.hasSuffix(".parquet") else { return nil }
            return object.key
        }
    }
}

/// Checks that `range` is a non-empty part of an object of `size` bytes.
func validate(range: Range<Int>, size: Int, key: String) throws {
    guard range.lowerBound >= 0, range.upperBound <= size else {
        throw KiteError.invalidArgument("range \(range.lowerBound)..<\(range.upperBound) is outside '\(key)' (\(size) bytes)")
    }
}
