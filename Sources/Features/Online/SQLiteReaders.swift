import Foundation
import GRDBSQLite
import KiteCore
import Synchronization

/// Read-only SQLite connections to the embedded online store's file, for its point lookups. A served request's
/// read is a few microseconds of SQLite; through GRDB's reader pool, dispatch queues and generic rows it cost
/// ten times that. Connections are taken from an idle list (opened when it is empty, at most `idleLimit` kept)
/// and each keeps its prepared lookups by number of keys.
final class SQLiteReaders: Sendable {
    /// Connections kept open when idle.
    static let idleLimit = 8
    private let path: String
    private let idle = Mutex<[Connection]>([])

    init(path: String) {
        self.path = path
    }

    /// For each key of `keys` stored in `view`: its key bytes, event and created times, and payload.
    func lookup(views: [String], keys: ArraySlice<Data>, _ found: (_ view: Int, _ key: Data, _ event: Int64, _ created: Int64, _ payload: Data) throws -> Void)
        throws
    {
        let connection = try idle.withLock { $0.popLast() } ?? Connection(path: path)
        defer { idle.withLock { if $0.count < Self.idleLimit { $0.append(connection) } } }
        try connection.lookup(views: views, keys: keys, found)
    }

    /// One read-only connection and its prepared statements; used by one thread at a time.
    private final class Connection: @unchecked Sendable {
        private var handle: OpaquePointer?
        private var statements: [Int: OpaquePointer] = [:]
        private let path: String

        init(path: String) throws {
            self.path = path
            let status = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
            guard status == SQLITE_OK else { throw error(status) }
            sqlite3_busy_timeout(handle, Int32(EmbeddedOnlineStore.busyTimeout * 1000))
        }

        deinit {
            for statement in statements.values { sqlite3_finalize(statement) }
            sqlite3_close_v2(handle)
        }

        /// The lookups of `keys` in each of `views`, in one read transaction (one snapshot for all views).
        func lookup(views: [String], keys: ArraySlice<Data>, _ found: (Int, Data, Int64, Int64, Data) throws -> Void) throws {
            let several = views.count > 1
            if several { try execute("BEGIN") }
            defer { if several { _ = try? execute("COMMIT") } }
            let statement = try prepared(keys: keys.count)
            defer { sqlite3_reset(statement) }
            for (index, view) in views.enumerated() {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
                var status = sqlite3_bind_text(statement, 1, view, -1, Self.transient)
                for (position, key) in keys.enumerated() where status == SQLITE_OK {
                    status = key.withUnsafeBytes { sqlite3_bind_blob(statement, Int32(position + 2), $0.baseAddress, Int32($0.count), Self.transient) }
                }
                guard status == SQLITE_OK else { throw error(status) }
                while true {
                    status = sqlite3_step(statement)
                    guard status == SQLITE_ROW else { break }
                    try found(index, blob(statement, 0), sqlite3_column_int64(statement, 1), sqlite3_column_int64(statement, 2), blob(statement, 3))
                }
                guard status == SQLITE_DONE else { throw error(status) }
            }
        }

        /// The lookup of `count` keys, prepared once per count (at most 64 kept).
        private func prepared(keys count: Int) throws -> OpaquePointer? {
            if let statement = statements[count] { return statement }
            if statements.count >= 64 {
                for statement in statements.values { sqlite3_finalize(statement) }
                statements.removeAll()
            }
            let marks = Array(repeating: "?", count: count).joined(separator: ",")
            let sql = "SELECT entity_key, event_time, created_time, payload FROM online_values WHERE view = ? AND entity_key IN (\(marks))"
            var statement: OpaquePointer?
            let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
            guard status == SQLITE_OK, let statement else { throw error(status) }
            statements[count] = statement
            return statement
        }

        private func execute(_ sql: String) throws {
            let status = sqlite3_exec(handle, sql, nil, nil, nil)
            guard status == SQLITE_OK else { throw error(status) }
        }

        private func blob(_ statement: OpaquePointer?, _ column: Int32) -> Data {
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return Data() }
            return Data(bytes: bytes, count: count)
        }

        private func error(_ status: Int32) -> KiteError {
            let message = handle.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            return KiteError(status == SQLITE_BUSY ? .unavailable : .io, "online store \(path): \(message)")
        }

        /// SQLite copies bound values (SQLITE_TRANSIENT).
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }
}
