import KiteCore

/// Where each entity's latest feature values live for serving: embedded SQLite or Redis (one server or a
/// cluster), opened by URL with `OnlineStores.open`.
///
/// Every backend keeps, per (entity key, view), the values with the greatest event time (created time breaking
/// ties): a write never replaces newer values with older ones, also when two writers race.
public protocol OnlineStore: Sendable {
    /// The URL it was opened from, password redacted.
    var description: String { get }

    /// Writes `rows` of `view`; rows older than what is stored are skipped. `ttl` (zero: none) lets a backend
    /// expire entries. Returns how many rows were written.
    @discardableResult
    func write(view: String, rows: [(key: EntityKey, values: OnlineValues)], ttl: TimeSpan) async throws -> Int

    /// For each key in `keys`, each view in `views`: the stored values, or nil.
    func read(keys: [EntityKey], views: [String]) async throws -> [[OnlineValues?]]

    /// Several reads at once — keys with different join keys read from different views — answered in order; a
    /// backend with round trips makes one (the default reads one group after another).
    func read(groups: [(keys: [EntityKey], views: [String])]) async throws -> [[[OnlineValues?]]]

    /// Deletes every entity's values of `view`.
    func deleteView(_ view: String) async throws

    /// Rows per view and, where the backend can tell, the bytes it uses.
    func statistics() async throws -> OnlineStoreStatistics

    /// Releases connections and files.
    func close() async
}

extension OnlineStore {
    public func read(groups: [(keys: [EntityKey], views: [String])]) async throws -> [[[OnlineValues?]]] {
        var answers: [[[OnlineValues?]]] = []
        for group in groups { answers.append(try await read(keys: group.keys, views: group.views)) }
        return answers
    }
}

/// What an online store holds.
public struct OnlineStoreStatistics: Sendable, Hashable {
    /// Stored (entity, view) rows per view.
    public var rows: [String: Int]
    /// Bytes on disk or in memory, when known.
    public var bytes: Int?

    public init(rows: [String: Int], bytes: Int?) {
        self.rows = rows
        self.bytes = bytes
    }
}
