import KiteCore

/// An A/B test as the registry keeps it: its key, model and status, and its definition (JSON owned by the
/// ABTesting module).
public struct StoredABTest: Sendable, Hashable {
    public var key: String
    public var model: String
    public var status: String
    public var definition: String
    public var createdTime: Int64
    public var updatedTime: Int64
}

extension RegistryStore {
    /// Creates or replaces the A/B test `key`. A second running test on the same model is `already_exists`, naming
    /// the one that runs; nothing is written then.
    public func saveABTest(key: String, model: String, status: String, definition: String) async throws {
        try await database.write { session in
            if status == "running",
                let running = try session.first(
                    "SELECT key FROM ab_test WHERE model = ? AND status = 'running' AND key <> ?", [.text(model), .text(key)])
            {
                throw KiteError(
                    .alreadyExists, "model '\(model)' already has a running experiment '\(running.text("key"))'; stop it first",
                    cause: "RESOURCE_ALREADY_EXISTS")
            }
            let now = self.clock.now()
            try session.execute(
                """
                INSERT INTO ab_test (key, model, status, definition, created_time, updated_time) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET model = excluded.model, status = excluded.status, definition = excluded.definition,
                    updated_time = excluded.updated_time
                """,
                [.text(key), .text(model), .text(status), .text(definition), .integer(now), .integer(now)])
        }
    }

    /// The A/B test `key`, or `not_found`.
    public func abTest(key: String) async throws -> StoredABTest {
        try await database.read { session in
            guard let row = try session.first("SELECT * FROM ab_test WHERE key = ?", [.text(key)]) else {
                throw Self.missing("no experiment '\(key)'")
            }
            return Self.abTest(row)
        }
    }

    /// The A/B tests, optionally of one model and/or in one status, by key.
    public func abTests(model: String? = nil, status: String? = nil) async throws -> [StoredABTest] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let model {
            conditions.append("model = ?")
            values.append(.text(model))
        }
        if let status {
            conditions.append("status = ?")
            values.append(.text(status))
        }
        let sql = "SELECT * FROM ab_test" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY key"
        return try await database.read { [values] session in try session.query(sql, values).map(Self.abTest) }
    }

    private static func abTest(_ row: SQLRow) -> StoredABTest {
        StoredABTest(
            key: row.text("key"), model: row.text("model"), status: row.text("status"), definition: row.text("definition"),
            createdTime: row.integer("created_time") ?? 0, updatedTime: row.integer("updated_time") ?? 0)
    }
}
