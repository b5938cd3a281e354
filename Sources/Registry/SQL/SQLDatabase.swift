/// The statements of one transaction (or one read), on one connection. Statements are synchronous: a session
/// lives on a thread of its database (GRDB's queues for SQLite, the registry's thread pool for PostgreSQL),
/// never on the cooperative pool.
public protocol SQLSession {
    /// Runs a statement with `?` placeholders bound to `values`.
    func execute(_ sql: String, _ values: [SQLValue]) throws
    /// Runs a query with `?` placeholders bound to `values` and returns its rows.
    func query(_ sql: String, _ values: [SQLValue]) throws -> [SQLRow]
}

/// What differs between the SQL of the backends; the rest of the registry's SQL is shared.
public enum SQLDialect: Sendable {
    case sqlite, postgres

    /// The column definition of an auto-incrementing integer key.
    var serialKey: String { self == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY" }

    /// How an index holds a text `value` column: whole on SQLite; on PostgreSQL, whose index entries stop at
    /// 2.7 kB while params reach 6,000 characters and tags 8,000, as its MD5 (the key prefix still serves).
    var indexedTextValue: String { self == .sqlite ? "value" : "md5(value)" }

    /// What ends a table stored in its primary key's order: `WITHOUT ROWID` on SQLite (one B-tree, one seek per
    /// key), nothing on PostgreSQL.
    var clusteredTable: String { self == .sqlite ? " WITHOUT ROWID" : "" }
}

/// A SQL database the registry stores into: SQLite (through GRDB) or PostgreSQL (through PostgresNIO).
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in one write transaction, committed when it returns and rolled back when it throws.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Runs `body` with a connection for reading (a consistent snapshot).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Holds the connections (and threads) until the calling task is cancelled.
    func run() async
    /// Releases the connections.
    func close() async
}

extension SQLSession {
    /// The first row of a query, if any.
    func first(_ sql: String, _ values: [SQLValue]) throws -> SQLRow? {
        try query(sql, values).first
    }
}
