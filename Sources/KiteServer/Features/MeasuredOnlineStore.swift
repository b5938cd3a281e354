import Features
import KiteCore

/// An online store whose reads are timed and counted into the server's metrics.
struct MeasuredOnlineStore: OnlineStore {
    let store: any OnlineStore
    let metrics: ServerMetrics

    var description: String { store.description }

    func write(view: String, rows: [(key: EntityKey, values: OnlineValues)], ttl: TimeSpan) async throws -> Int {
        try await store.write(view: view, rows: rows, ttl: ttl)
    }

    func read(keys: [EntityKey], views: [String]) async throws -> [[OnlineValues?]] {
        let start = ContinuousClock.now
        let rows = try await store.read(keys: keys, views: views)
        let missing = rows.reduce(0) { $0 + ($1.contains { $0 == nil } ? 1 : 0) }
        metrics.onlineRead(duration: ContinuousClock.now - start, entities: keys.count, notFound: missing)
        return rows
    }

    func read(groups: [(keys: [EntityKey], views: [String])]) async throws -> [[[OnlineValues?]]] {
        let start = ContinuousClock.now
        let answers = try await store.read(groups: groups)
        let rows = answers.flatMap { $0 }
        metrics.onlineRead(
            duration: ContinuousClock.now - start, entities: rows.count, notFound: rows.reduce(0) { $0 + ($1.contains { $0 == nil } ? 1 : 0) })
        return answers
    }

    func deleteView(_ view: String) async throws { try await store.deleteView(view) }

    func statistics() async throws -> OnlineStoreStatistics { try await store.statistics() }

    func close() async { await store.close() }
}
