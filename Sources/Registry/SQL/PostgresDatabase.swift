import Foundation
import KiteCore
import Logging
import NIOPosix
import PostgresNIO

/// PostgreSQL through PostgresNIO's connection pool, for several `kite serve` replicas sharing one registry.
/// The pool runs inside `run()`, which the registry store's service calls. A transaction's statements run on
/// the registry's own thread pool, one thread per transaction, waiting on the connection's answers there — never
/// on the cooperative pool or an event loop.
final class PostgresDatabase: SQLDatabase {
    /// Transactions that run at once (PostgresNIO's default pool size); more wait for a thread.
    static let threads = 20

    let dialect = SQLDialect.postgres
    private let client: PostgresClient
    private let pool = NIOThreadPool(numberOfThreads: PostgresDatabase.threads)
    private let logger: Logger
    /// Fired when `run()` starts the pool: statements wait for it instead of leasing from a pool not yet running.
    private let running = StartSignal()
    private let description: String

    /// Connects to `postgres://user[:password]@host[:port]/database` (no TLS; loopback or a private network).
    init(url: String, logger: Logger) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty,
            let user = components.user, !user.isEmpty
        else {
            throw KiteError.invalidArgument("registry URL '\(url)' is not postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.maximumConnections = Self.threads
        description = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(body, statements: ("BEGIN", "COMMIT"))
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await transaction(body, statements: ("BEGIN TRANSACTION READ ONLY", "COMMIT"))
    }

    /// Runs `body` between `begin` and `end` on one connection and one thread; rolls back when it throws.
    private func transaction<T: Sendable>(
        _ body: @escaping @Sendable (any SQLSession) throws -> T, statements: (begin: String, end: String)
    ) async throws -> T {
        await running.wait()
        guard running.fired else { throw CancellationError() }
        let (pool, logger) = (pool, logger)
        do {
            return try await client.withConnection { connection in
                try await pool.runIfActive {
                    let session = Session(connection: connection, logger: logger)
                    try session.execute(statements.begin, [])
                    do {
                        let result = try body(session)
                        try session.execute(statements.end, [])
                        return result
                    } catch {
                        try? session.execute("ROLLBACK", [])
                        throw error
                    }
                }
            }
        } catch {
            throw kiteError(error)
        }
    }

    func run() async {
        pool.start()
        running.fire()
        await client.run()
        try? await pool.shutdownGracefully()
    }

    /// Nothing to do: the pool closes when `run()` returns.
    func close() async {}

    private func kiteError(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        if error.serverInfo?[.sqlState] == "23505" {
            // A unique key taken by a concurrent writer: the caller's resource exists, not a server fault.
            return KiteError(.alreadyExists, "registry database \(description): \(message)", cause: "RESOURCE_ALREADY_EXISTS")
        }
        return KiteError(.io, "registry database \(description): \(message)")
    }

    /// Statements on one connection, each waited for on the calling thread (one of the registry's pool).
    private struct Session: SQLSession {
        let connection: PostgresConnection
        let logger: Logger

        func execute(_ sql: String, _ values: [SQLValue]) throws {
            _ = try connection.query(Self.query(sql, values), logger: logger).wait()
        }

        func query(_ sql: String, _ values: [SQLValue]) throws -> [SQLRow] {
            let result = try connection.query(Self.query(sql, values), logger: logger).wait()
            var rows: [SQLRow] = []
            var columns: [String: Int]?
            for row in result.rows {
                var cells: [SQLValue] = []
                var names: [String: Int] = [:]
                for (index, cell) in row.enumerated() {
                    if columns == nil, names[cell.columnName] == nil { names[cell.columnName] = index }
                    cells.append(try Self.value(cell))
                }
                if columns == nil { columns = names }
                rows.append(SQLRow(columns: columns ?? names, values: cells))
            }
            return rows
        }

        /// The statement with its `?` placeholders (outside quotes) numbered `$1`, `$2`, … as PostgreSQL wants.
        private static func query(_ sql: String, _ values: [SQLValue]) throws -> PostgresQuery {
            var text = ""
            var number = 0
            var quoted = false
            for character in sql {
                if character == "'" { quoted.toggle() }
                if character == "?", !quoted {
                    number += 1
                    text += "$\(number)"
                } else {
                    text.append(character)
                }
            }
            var binds = PostgresBindings(capacity: values.count)
            for value in values {
                switch value {
                case .null: binds.appendNull()
                case .integer(let integer): binds.append(integer)
                case .real(let real): binds.append(real)
                case .text(let string): binds.append(string)
                }
            }
            return PostgresQuery(unsafeSQL: text, binds: binds)
        }

        private static func value(_ cell: PostgresCell) throws -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .numeric: return .real(Double(try cell.decode(String.self)) ?? .nan)
            default: return .text(try cell.decode(String.self))
            }
        }
    }
}
