import Foundation
import GRDB
import GRDBSQLite
import KiteCore

/// SQLite through GRDB in WAL mode: readers run beside the one writer. Each write is one of GRDB's own
/// IMMEDIATE transactions on its writer queue, each read a snapshot on a reader queue — never on the cooperative
/// pool. Another process writing the same file (`kite apply` beside `kite serve`) is waited for, up to the busy
/// timeout.
final class SQLiteDatabase: SQLDatabase {
    /// How long a write waits for another process's write to finish.
    static let busyTimeout: TimeInterval = 10

    let dialect = SQLDialect.sqlite
    private let pool: DatabasePool
    private let path: String

    /// Opens (creating) the database file at `path`.
    init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            if let slash = path.lastIndex(of: "/") {
                try FileManager.default.createDirectory(atPath: String(path[..<slash]), withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw Self.kiteError(error, path: path)
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do { return try await pool.write { db in try body(Session(db: db)) } } catch { throw Self.kiteError(error, path: path) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        do { return try await pool.read { db in try body(Session(db: db)) } } catch { throw Self.kiteError(error, path: path) }
    }

    func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    func close() async { try? pool.close() }

    private static func kiteError(_ error: any Error, path: String) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        if error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            return KiteError(.alreadyExists, "registry database \(path): \(error.message ?? "\(error)")", cause: "RESOURCE_ALREADY_EXISTS")
        }
        if error.resultCode == .SQLITE_BUSY {
            return KiteError(.unavailable, "registry database \(path) stayed locked by another process for \(Int(busyTimeout)) s; try again")
        }
        return KiteError(.io, "registry database \(path): \(error.message ?? "\(error)")")
    }

    /// Statements on the connection GRDB lends for one access.
    private struct Session: SQLSession {
        let db: Database

        func execute(_ sql: String, _ values: [SQLValue]) throws {
            try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(values))
        }

        func query(_ sql: String, _ values: [SQLValue]) throws -> [SQLRow] {
            let statement = try db.cachedStatement(sql: sql)
            var columns: [String: Int] = [:]
            for (index, name) in statement.columnNames.enumerated() where columns[name] == nil { columns[name] = index }
            // A cursor steps the statement; each row's columns are read straight from SQLite while it is current.
            let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(values))
            let handle = statement.sqliteStatement
            let count = Int32(statement.columnCount)
            var rows: [SQLRow] = []
            while try cursor.next() != nil {
                var values: [SQLValue] = []
                values.reserveCapacity(Int(count))
                for index in 0..<count { values.append(Self.value(handle, index)) }
                rows.append(SQLRow(columns: columns, values: values))
            }
            return rows
        }

        private static func arguments(_ values: [SQLValue]) -> StatementArguments {
            StatementArguments(
                values.map { value -> (any DatabaseValueConvertible)? in
                    switch value {
                    case .null: nil
                    case .integer(let integer): integer
                    case .real(let real): real
                    case .text(let text): text
                    }
                })
        }

        /// Column `index` of the current row of `statement`.
        private static func value(_ statement: SQLiteStatement, _ index: Int32) -> SQLValue {
            switch sqlite3_column_type(statement, index) {
            case SQLITE_NULL: return .null
            case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
            case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, index))
            default:
                // Text and blobs as UTF-8 text (the registry stores no binary values).
                guard let bytes = sqlite3_column_blob(statement, index) else { return .text("") }
                let length = Int(sqlite3_column_bytes(statement, index))
                return .text(String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self))
            }
        }
    }
}
