import KiteCore

/// A `ByteSource` over one object, so the Parquet reader can read straight from a store with ranged reads.
public struct ObjectStoreSource: ByteSource {
    public let name: String
    private let store: any ObjectStore
    private let key: String
    private let objectSize: Int

    /// Opens `key` in `store`, asking for its size once.
    public init(store: any ObjectStore, key: String) async throws {
        self.store = store
        self.key = key
        objectSize = try await store.head(key).size
        name = store.url.hasSuffix("/") ? store.url + key : store.url + "/" + key
    }

    public func size() async throws -> Int { objectSize }

    public func read(_ range: Range<Int>) async throws -> [UInt8] {
        if range.isEmpty { return [] }
        return try await store.get(key, range: range)
    }
}
