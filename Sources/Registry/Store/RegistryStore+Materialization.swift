import KiteCore

/// One finished materialization window of a feature view.
public struct MaterializedInterval: Sendable, Hashable {
    public var view: String
    /// The window, microseconds since the epoch (both ends included).
    public var start: Int64
    public var end: Int64
    /// Entities written.
    public var rows: Int
    /// When it finished.
    public var finishedAt: Int64
}

extension RegistryStore {
    /// Records that `view` was materialized over `start...end`.
    public func recordMaterialization(view: String, start: Int64, end: Int64, rows: Int) async throws {
        let time = clock.now()
        try await database.write { session in
            try session.execute(
                "DELETE FROM materialization WHERE view = ? AND end_time = ? AND start_time = ?", [.text(view), .integer(end), .integer(start)])
            try session.execute(
                "INSERT INTO materialization (view, start_time, end_time, rows, finished_at) VALUES (?, ?, ?, ?, ?)",
                [.text(view), .integer(start), .integer(end), .integer(Int64(rows)), .integer(time)])
        }
    }

    /// The recorded windows of `view` (every view when nil), latest end first.
    public func materializations(view: String? = nil) async throws -> [MaterializedInterval] {
        try await database.read { session in
            let rows =
                if let view {
                    try session.query("SELECT * FROM materialization WHERE view = ? ORDER BY end_time DESC, start_time DESC", [.text(view)])
                } else {
                    try session.query("SELECT * FROM materialization ORDER BY view, end_time DESC, start_time DESC", [])
                }
            return rows.map { row in
                MaterializedInterval(
                    view: row.text("view"), start: row.integer("start_time") ?? 0, end: row.integer("end_time") ?? 0,
                    rows: Int(row.integer("rows") ?? 0), finishedAt: row.integer("finished_at") ?? 0)
            }
        }
    }
}
