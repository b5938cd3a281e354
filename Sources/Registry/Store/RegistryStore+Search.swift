import KiteCore

extension RegistryStore {
    /// One page of search results and the token of the next page, if any.
    public struct Page<Item: Sendable>: Sendable {
        public var items: [Item]
        public var nextPageToken: String?
    }

    /// Which lifecycle stages a search includes (MLflow's `view_type`).
    public enum ViewType: String, Sendable {
        case activeOnly = "ACTIVE_ONLY"
        case deletedOnly = "DELETED_ONLY"
        case all = "ALL"

        /// The SQL condition on `table`'s lifecycle stage.
        func condition(_ table: String) -> String {
            switch self {
            case .activeOnly: "\(table).lifecycle_stage = 'active'"
            case .deletedOnly: "\(table).lifecycle_stage = 'deleted'"
            case .all: "1 = 1"
            }
        }
    }

    /// Runs `select` with LIMIT/OFFSET for one page, then loads each item.
    func page<Item: Sendable>(
        select: String, conditions: [String], values: [SQLValue], order: [String], maxResults: Int, pageToken: String?,
        load: @escaping @Sendable (any SQLSession, SQLRow) throws -> Item
    ) async throws -> Page<Item> {
        try await page(
            select: select, conditions: conditions, values: values, order: order, maxResults: maxResults, pageToken: pageToken
        ) { session, rows in
            var items: [Item] = []
            for row in rows { items.append(try load(session, row)) }
            return items
        }
    }

    /// Runs `select` with LIMIT/OFFSET for one page, then loads the page's items together.
    func page<Item: Sendable>(
        select: String, conditions: [String], values: [SQLValue], order: [String], maxResults: Int, pageToken: String?,
        loadAll: @escaping @Sendable (any SQLSession, [SQLRow]) throws -> [Item]
    ) async throws -> Page<Item> {
        let offset = try PageToken.offset(pageToken)
        let sql =
            "\(select) WHERE \(conditions.isEmpty ? "1 = 1" : conditions.joined(separator: " AND ")) ORDER BY \(order.joined(separator: ", ")) LIMIT ? OFFSET ?"
        return try await database.read { session in
            let rows = try session.query(sql, values + [.integer(Int64(maxResults) + 1), .integer(Int64(offset))])
            let items = try loadAll(session, Array(rows.prefix(maxResults)))
            return Page(items: items, nextPageToken: rows.count > maxResults ? PageToken.make(offset: offset + maxResults) : nil)
        }
    }

    /// Runs of `experimentIDs` that pass `filter` (MLflow's grammar), ordered by `orderBy` (`metrics.rmse DESC`,
    /// `attributes.start_time`, …; newest first by default), `maxResults` at a time (at most 50,000).
    public func searchRuns(
        experimentIDs: [String], filter: String = "", viewType: ViewType = .activeOnly, orderBy: [String] = [],
        maxResults: Int = 1000, pageToken: String? = nil
    ) async throws -> Page<Run> {
        try PageToken.check(maxResults: maxResults, limit: 50_000)
        let ids = experimentIDs.compactMap { Int64($0) }
        guard ids.count == experimentIDs.count, !ids.isEmpty else {
            throw KiteError.invalidArgument("experiment ids must be numbers, and at least one is needed")
        }
        let search = SQLFilter(dialect: database.dialect, bareKeys: nil) { entity, key in
            switch entity {
            case .metric: return .keyed(table: "latest_metric", owner: "run_seq", outer: "run.seq", key: key, numeric: true)
            case .param: return .keyed(table: "param", owner: "run_seq", outer: "run.seq", key: key, numeric: false)
            case .tag: return .keyed(table: "run_tag", owner: "run_seq", outer: "run.seq", key: key, numeric: false)
            case .attribute:
                let columns = [
                    "run_id": "run.id", "run_name": "run.name", "status": "run.status", "user_id": "run.user_id",
                    "artifact_uri": "run.artifact_uri", "lifecycle_stage": "run.lifecycle_stage",
                ]
                if let column = columns[key] { return .init(sql: column, values: [], numeric: false) }
                if key == "start_time" || key == "end_time" { return .millis("run.\(key)", notNull: key == "start_time") }
                throw KiteError.invalidArgument(
                    "unknown run attribute '\(key)'; attributes are \((columns.keys + ["start_time", "end_time"]).sorted().joined(separator: ", "))")
            case .dataset:
                let columns = ["name": "name", "digest": "digest", "context": "tags"]
                guard let column = columns[key] else { throw KiteError.invalidArgument("unknown dataset field '\(key)'; use name, digest or context") }
                return .init(sql: "(SELECT MIN(\(column)) FROM run_input d WHERE d.run_seq = run.seq)", values: [], numeric: false)
            }
        }
        var (conditions, order, values) = try search.translate(filter: filter, orderBy: orderBy)
        conditions.insert("run.experiment_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))", at: 0)
        values.insert(contentsOf: ids.map { .integer($0) }, at: 0)
        conditions.insert(viewType.condition("run"), at: 0)
        if orderBy.count == 1, case (let subject, let direction) = try search.orderingSubject(orderBy[0]), let keyed = subject.keyed,
            keyed.table == "latest_metric"
        {
            // The same conditions without the ordering's bound values.
            let filtered = try search.conditions(filter)
            return try await runsByMetric(
                keyed.key, direction: direction, conditions: Array(conditions.prefix(2)) + filtered.sql,
                values: ids.map { .integer($0) } + filtered.values, maxResults: maxResults, pageToken: pageToken)
        }
        return try await page(
            select: "SELECT run.seq FROM run", conditions: conditions, values: values,
            order: order + ["run.start_time DESC", "run.id ASC"], maxResults: maxResults, pageToken: pageToken
        ) { session, rows in try Self.runs(session, seqs: rows.compactMap { $0.integer("seq") }) }
    }

    /// A page of runs ordered by one metric, as `searchRuns` orders them (runs without the metric last; ties by
    /// start time, newest first, then id), found by walking the metric's (key, value) index for the runs that have
    /// it and only then reading the runs that do not — instead of looking the metric up for every run.
    private func runsByMetric(
        _ key: String, direction: String, conditions: [String], values: [SQLValue], maxResults: Int, pageToken: String?
    ) async throws -> Page<Run> {
        let offset = try PageToken.offset(pageToken)
        let filter = conditions.joined(separator: " AND ")
        return try await database.read { session in
            let withMetric = try session.query(
                // CROSS JOIN keeps SQLite walking the metric's index first (PostgreSQL plans it as a join either way).
                "SELECT run.seq FROM latest_metric o CROSS JOIN run WHERE run.seq = o.run_seq AND o.key = ? AND \(filter) "
                    + "ORDER BY o.value \(direction), run.start_time DESC, run.id ASC LIMIT ? OFFSET ?",
                [.text(key)] + values + [.integer(Int64(maxResults) + 1), .integer(Int64(offset))]
            ).compactMap { $0.integer("seq") }
            var seqs = withMetric
            if seqs.count <= maxResults {
                // The runs with the metric end on this page: the page goes on with the runs without it.
                let before =
                    withMetric.isEmpty
                    ? Int(
                        try session.first(
                            "SELECT COUNT(*) AS n FROM latest_metric o CROSS JOIN run WHERE run.seq = o.run_seq AND o.key = ? AND \(filter)",
                            [.text(key)] + values
                        )?.integer("n") ?? 0) : offset + withMetric.count
                let skip = max(0, offset + withMetric.count - before)
                seqs += try session.query(
                    "SELECT run.seq FROM run WHERE \(filter) AND NOT EXISTS (SELECT 1 FROM latest_metric o WHERE o.run_seq = run.seq AND o.key = ?) "
                        + "ORDER BY run.start_time DESC, run.id ASC LIMIT ? OFFSET ?",
                    values + [.text(key), .integer(Int64(maxResults + 1 - withMetric.count)), .integer(Int64(skip))]
                ).compactMap { $0.integer("seq") }
            }
            let items = try Self.runs(session, seqs: Array(seqs.prefix(maxResults)))
            return Page(items: items, nextPageToken: seqs.count > maxResults ? PageToken.make(offset: offset + maxResults) : nil)
        }
    }

    /// How many runs (active or deleted) an experiment holds.
    public func runCount(experimentID: String) async throws -> Int {
        guard let id = Int64(experimentID) else { throw Self.missing("no experiment with id '\(experimentID)'") }
        return try await database.read { session in
            Int(try session.first("SELECT COUNT(*) AS n FROM run WHERE experiment_id = ?", [.integer(id)])?.integer("n") ?? 0)
        }
    }

    /// Experiments that pass `filter` (`name LIKE 'fraud%'`, `tags.team = 'risk'`, `creation_time > 0`).
    public func searchExperiments(
        filter: String = "", viewType: ViewType = .activeOnly, orderBy: [String] = [], maxResults: Int = 1000, pageToken: String? = nil
    ) async throws -> Page<Experiment> {
        try PageToken.check(maxResults: maxResults, limit: 50_000)
        let search = SQLFilter(dialect: database.dialect, bareKeys: .attribute) { entity, key in
            switch (entity, key) {
            case (.tag, _): return .keyed(table: "experiment_tag", owner: "experiment_id", outer: "experiment.id", key: key, numeric: false)
            case (.attribute, "name"): return .init(sql: "experiment.name", values: [], numeric: false)
            case (.attribute, "experiment_id"), (.attribute, "id"): return .init(sql: "experiment.id", values: [], numeric: true)
            case (.attribute, "creation_time"), (.attribute, "last_update_time"): return .millis("experiment.\(key)")
            default: throw KiteError.invalidArgument("experiments can be filtered by name, creation_time, last_update_time and tags, not '\(key)'")
            }
        }
        var (conditions, order, values) = try search.translate(filter: filter, orderBy: orderBy)
        conditions.insert(viewType.condition("experiment"), at: 0)
        return try await page(
            select: "SELECT * FROM experiment", conditions: conditions, values: values,
            order: order + ["experiment.creation_time DESC", "experiment.id ASC"], maxResults: maxResults, pageToken: pageToken
        ) { session, row in try Self.experiment(session, row: row) }
    }
}
