import Foundation
import KiteCore

/// Applies numbered schema versions in order, each in its own transaction, recording them in `kite_migration`.
struct SQLMigrator {
    /// A schema version: its number, a name, and its statements (`{serial}` stands for the dialect's
    /// auto-incrementing key, `{value_key}` for how a text `value` column is indexed, `{clustered}` for what makes
    /// a table stored in its key's order).
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    var migrations: [Migration]

    /// Brings `database` up to the newest version.
    func migrate(_ database: any SQLDatabase) async throws {
        try await database.write { session in
            try session.execute("CREATE TABLE IF NOT EXISTS kite_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL)", [])
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            try await database.write { session in
                if database.dialect == .postgres {
                    // Two replicas starting at once: the second waits, then sees the version applied.
                    try session.execute("LOCK TABLE kite_migration IN EXCLUSIVE MODE", [])
                }
                guard try session.first("SELECT version FROM kite_migration WHERE version = ?", [.init(migration.version)]) == nil
                else { return }
                for statement in migration.statements {
                    let sql = statement.replacingOccurrences(of: "{serial}", with: database.dialect.serialKey)
                        .replacingOccurrences(of: "{value_key}", with: database.dialect.indexedTextValue)
                        .replacingOccurrences(of: "{clustered}", with: database.dialect.clusteredTable)
                    try session.execute(sql, [])
                }
                try session.execute("INSERT INTO kite_migration (version, name) VALUES (?, ?)", [.init(migration.version), .text(migration.name)])
            }
        }
    }
}
