import Foundation
import GRDB
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
            // A cursor reads each row in place; fetchAll would copy every row first.
            let cursor = try Row.fetchCursor(statement, arguments: Self.arguments(values))
            var rows: [SQLRow] = []
            while let row = try cursor.next() {
                var values: [SQLValue] = []
                values.reserveCapacity(row.count)
                for value in row.databaseValues { values.append(Self.value(value)) }
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

        private static func value(_ value: DatabaseValue) -> SQLValue {
            switch value.storage {
            case .null: .null
            case .int64(let integer): .integer(integer)
            case .double(let real): .real(real)
            case .string(let text): .text(text)
            case .blob(let data): .text(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
