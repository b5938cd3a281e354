import Foundation
import GRDB
import KiteCore

/// SQLite through GRDB in WAL mode: readers run beside the one writer; write transactions are serialized.
///
/// Statements run through GRDB's synchronous API on the calling thread: a SQLite statement takes microseconds,
/// less than an asynchronous hop to GRDB's queue and back (measured: about 0.25 ms a query on a 2-core VM).
final class SQLiteDatabase: SQLDatabase {
    let dialect = SQLDialect.sqlite
    private let pool: DatabasePool
    private let writer = AsyncLock()
    private let path: String

    /// Opens (creating) the database file at `path`.
    init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        // Write transactions span several GRDB accesses (one per statement), serialized by `writer`.
        configuration.allowsUnsafeTransactions = true
        configuration.busyMode = .timeout(10)
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

    func write<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await writer.withLock {
            let session = Session(pool: pool, writing: true)
            do {
                try Self.blocking { try pool.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") } }
                let result = try await body(session)
                try Self.blocking { try pool.writeWithoutTransaction { try $0.execute(sql: "COMMIT") } }
                return result
            } catch {
                try? Self.blocking { try pool.writeWithoutTransaction { db in if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") } } }
                throw Self.kiteError(error, path: path)
            }
        }
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        do { return try await body(Session(pool: pool, writing: false)) } catch { throw Self.kiteError(error, path: path) }
    }

    func run() async {
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
    }

    func close() async { try? pool.close() }

    /// Runs `body` synchronously: inside it, GRDB's synchronous API is chosen over its asynchronous overloads.
    static func blocking<T>(_ body: () throws -> T) rethrows -> T { try body() }

    private static func kiteError(_ error: any Error, path: String) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        if error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY {
            return KiteError(.alreadyExists, "registry database \(path): \(error.message ?? "\(error)")", cause: "RESOURCE_ALREADY_EXISTS")
        }
        return KiteError(.io, "registry database \(path): \(error.message ?? "\(error)")")
    }

    private struct Session: SQLSession {
        let pool: DatabasePool
        let writing: Bool

        func execute(_ sql: String, _ values: [SQLValue]) async throws {
            let arguments = Self.arguments(values)
            try SQLiteDatabase.blocking { try pool.writeWithoutTransaction { try $0.cachedStatement(sql: sql).execute(arguments: arguments) } }
        }

        func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
            let arguments = Self.arguments(values)
            let fetch: @Sendable (Database) throws -> [SQLRow] = { db in
                let statement = try db.cachedStatement(sql: sql)
                var columns: [String: Int] = [:]
                for (index, name) in statement.columnNames.enumerated() where columns[name] == nil { columns[name] = index }
                // A cursor reads each row in place; fetchAll would copy every row first.
                let cursor = try Row.fetchCursor(statement, arguments: arguments)
                var rows: [SQLRow] = []
                while let row = try cursor.next() {
                    var values: [SQLValue] = []
                    values.reserveCapacity(row.count)
                    for index in 0..<row.count { values.append(Self.value(row[index] as DatabaseValue)) }
                    rows.append(SQLRow(columns: columns, values: values))
                }
                return rows
            }
            return try SQLiteDatabase.blocking { writing ? try pool.writeWithoutTransaction(fetch) : try pool.unsafeRead(fetch) }
        }

        private static func arguments(_ values: [SQLValue]) -> StatementArguments {
            StatementArguments(values.map { value -> (any DatabaseValueConvertible)? in
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
