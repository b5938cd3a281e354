import Foundation
import KiteCore
import Logging
import PostgresNIO

/// PostgreSQL through PostgresNIO's connection pool, for several `kite serve` replicas sharing one registry. The
/// pool runs inside `run()`, which the registry store's service calls.
final class PostgresDatabase: SQLDatabase {
    let dialect = SQLDialect.postgres
    private let client: PostgresClient
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
        let configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable)
        description = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    func write<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        await running.wait()
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let result = try await body(Session(connection: connection, logger: logger))
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw kiteError(error)
        }
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLSession) async throws -> T) async throws -> T {
        await running.wait()
        do {
            return try await client.withConnection { try await body(Session(connection: $0, logger: logger)) }
        } catch {
            throw kiteError(error)
        }
    }

    func run() async {
        running.fire()
        await client.run()
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

    private struct Session: SQLSession {
        let connection: PostgresConnection
        let logger: Logger

        func execute(_ sql: String, _ values: [SQLValue]) async throws {
            try await connection.query(Self.query(sql, values), logger: logger)
        }

        func query(_ sql: String, _ values: [SQLValue]) async throws -> [SQLRow] {
            var rows: [SQLRow] = []
            var columns: [String: Int]?
            for try await row in try await connection.query(Self.query(sql, values), logger: logger) {
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
