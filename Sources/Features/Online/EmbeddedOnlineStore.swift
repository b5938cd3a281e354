import Foundation
import GRDB
import KiteCore

/// The default online store: one SQLite file in WAL mode, so `kite materialize` in one process writes while
/// `kite serve` in another reads. One row per (view, entity key); an upsert whose `WHERE` keeps the newer row
/// makes "never replace newer values" atomic, also between processes.
public final class EmbeddedOnlineStore: OnlineStore {
    /// Keys per `IN (…)` lookup.
    static let keysPerStatement = 500
    /// How long a write waits for another process's write.
    static let busyTimeout: TimeInterval = 10

    private let pool: DatabasePool
    /// Reads bypass GRDB (see `SQLiteReaders`); writes, statistics and deletes go through `pool`.
    private let readers: SQLiteReaders
    private let path: String

    public var description: String { "embedded:\(path)" }

    /// Opens (creating) the store at `path`.
    public init(path: String) throws {
        self.path = path
        readers = SQLiteReaders(path: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            if let slash = path.lastIndex(of: "/") {
                try FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS online_values (
                            view TEXT NOT NULL, entity_key BLOB NOT NULL, event_time INTEGER NOT NULL,
                            created_time INTEGER NOT NULL, payload BLOB NOT NULL, PRIMARY KEY (view, entity_key)
                        ) WITHOUT ROWID
                        """)
            }
        } catch {
            throw Self.kiteError(error, path: path)
        }
    }

    @discardableResult
    public func write(view: String, rows: [(key: EntityKey, values: OnlineValues)], ttl: TimeSpan) async throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let encoded = rows.map {
            (key: Data($0.key.bytes), event: $0.values.eventTime, created: $0.values.createdTime, payload: Data($0.values.encodedPayload()))
        }
        do {
            return try await pool.write { db in
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT INTO online_values (view, entity_key, event_time, created_time, payload) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (view, entity_key) DO UPDATE SET
                            event_time = excluded.event_time, created_time = excluded.created_time, payload = excluded.payload
                        WHERE excluded.event_time > online_values.event_time
                            OR (excluded.event_time = online_values.event_time AND excluded.created_time >= online_values.created_time)
                        """)
                var written = 0
                for row in encoded {
                    try statement.execute(arguments: [view, row.key, row.event, row.created, row.payload])
                    written += db.changesCount
                }
                return written
            }
        } catch {
            throw Self.kiteError(error, path: path)
        }
    }

    public func read(keys: [EntityKey], views: [String]) async throws -> [[OnlineValues?]] {
        guard !keys.isEmpty, !views.isEmpty else { return keys.map { _ in views.map { _ in nil } } }
        let position = Dictionary(keys.enumerated().map { (Data($1.bytes), $0) }, uniquingKeysWith: { first, _ in first })
        let unique = Array(position.keys)
        do {
            var found: [(key: Int, view: Int, values: OnlineValues)] = []
            var start = 0
            while start < unique.count {
                let chunk = unique[start..<Swift.min(start + Self.keysPerStatement, unique.count)]
                start += chunk.count
                try readers.lookup(views: views, keys: chunk) { view, key, event, created, payload in
                    guard let index = position[key] else { return }
                    found.append((index, view, try OnlineValues(payload: payload, eventTime: event, createdTime: created)))
                }
            }
            var result = keys.map { _ in [OnlineValues?](repeating: nil, count: views.count) }
            for item in found { result[item.key][item.view] = item.values }
            // Repeated keys get the same answer as their first occurrence.
            for (index, key) in keys.enumerated() {
                if let first = position[Data(key.bytes)], first != index { result[index] = result[first] }
            }
            return result
        } catch {
            throw Self.kiteError(error, path: path)
        }
    }

    public func deleteView(_ view: String) async throws {
        do { try await pool.write { db in try db.execute(sql: "DELETE FROM online_values WHERE view = ?", arguments: [view]) } } catch {
            throw Self.kiteError(error, path: path)
        }
    }

    public func statistics() async throws -> OnlineStoreStatistics {
        do {
            return try await pool.read { db in
                var rows: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT view, COUNT(*) FROM online_values GROUP BY view") { rows[row[0]] = row[1] }
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                let size = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
                return OnlineStoreStatistics(rows: rows, bytes: pages * size)
            }
        } catch {
            throw Self.kiteError(error, path: path)
        }
    }

    public func close() async { try? pool.close() }

    private static func kiteError(_ error: any Error, path: String) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        if error.resultCode == .SQLITE_BUSY {
            return KiteError(.unavailable, "online store \(path) stayed locked by another process for \(Int(busyTimeout)) s; try again")
        }
        return KiteError(.io, "online store \(path): \(error.message ?? "\(error)")")
    }
}
