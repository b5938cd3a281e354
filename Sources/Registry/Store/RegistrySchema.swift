import Foundation

/// The registry's tables, one migration per schema version; shared by SQLite and PostgreSQL.
enum RegistrySchema {
    static let migrator = SQLMigrator(migrations: [
        .init(
            version: 1, name: "experiments, runs, metrics, logged models, registered models",
            statements: [
                """
                CREATE TABLE experiment (
                    id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, artifact_location TEXT NOT NULL,
                    lifecycle_stage TEXT NOT NULL, creation_time BIGINT NOT NULL, last_update_time BIGINT NOT NULL)
                """,
                "CREATE TABLE experiment_tag (experiment_id BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (experiment_id, key))",
                """
                CREATE TABLE run (
                    id TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL, name TEXT NOT NULL, user_id TEXT NOT NULL,
                    status TEXT NOT NULL, start_time BIGINT NOT NULL, end_time BIGINT, lifecycle_stage TEXT NOT NULL,
                    artifact_uri TEXT NOT NULL, deleted_time BIGINT)
                """,
                "CREATE INDEX run_by_experiment ON run (experiment_id, start_time)",
                "CREATE TABLE param (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))",
                "CREATE TABLE run_tag (run_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key))",
                """
                CREATE TABLE metric (
                    seq {serial}, run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION,
                    timestamp BIGINT NOT NULL, step BIGINT NOT NULL, model_id TEXT)
                """,
                // The same value logged twice (MLflow's client re-logs a run's metrics when it logs a model) is kept
                // once, as MLflow's own store does. NaN is stored as NULL.
                "CREATE UNIQUE INDEX metric_identity ON metric (run_id, key, step, timestamp, value)",
                """
                CREATE TABLE latest_metric (
                    run_id TEXT NOT NULL, key TEXT NOT NULL, value DOUBLE PRECISION, timestamp BIGINT NOT NULL,
                    step BIGINT NOT NULL, PRIMARY KEY (run_id, key))
                """,
                """
                CREATE TABLE run_input (
                    run_id TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL, source_type TEXT NOT NULL,
                    source TEXT NOT NULL, schema TEXT, profile TEXT, tags TEXT NOT NULL, PRIMARY KEY (run_id, name, digest))
                """,
                "CREATE TABLE run_output (run_id TEXT NOT NULL, model_id TEXT NOT NULL, step BIGINT NOT NULL, PRIMARY KEY (run_id, model_id))",
                """
                CREATE TABLE logged_model (
                    id TEXT PRIMARY KEY, experiment_id BIGINT NOT NULL, name TEXT NOT NULL, artifact_location TEXT NOT NULL,
                    creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL, status TEXT NOT NULL,
                    source_run_id TEXT, model_type TEXT, lifecycle_stage TEXT NOT NULL)
                """,
                "CREATE INDEX logged_model_by_experiment ON logged_model (experiment_id, name)",
                "CREATE TABLE logged_model_tag (model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key))",
                "CREATE TABLE logged_model_param (model_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (model_id, key))",
                """
                CREATE TABLE registered_model (
                    name TEXT PRIMARY KEY, creation_time BIGINT NOT NULL, last_updated_time BIGINT NOT NULL,
                    description TEXT NOT NULL, last_version BIGINT NOT NULL)
                """,
                "CREATE TABLE registered_model_tag (name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (name, key))",
                """
                CREATE TABLE model_version (
                    name TEXT NOT NULL, version BIGINT NOT NULL, creation_time BIGINT NOT NULL,
                    last_updated_time BIGINT NOT NULL, description TEXT NOT NULL, source TEXT NOT NULL, run_id TEXT,
                    run_link TEXT, status TEXT NOT NULL, current_stage TEXT NOT NULL, model_id TEXT,
                    training_set TEXT, feature_service TEXT, PRIMARY KEY (name, version))
                """,
                """
                CREATE TABLE model_version_tag (
                    name TEXT NOT NULL, version BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                    PRIMARY KEY (name, version, key))
                """,
                "CREATE TABLE model_alias (name TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (name, alias))",
            ]),
        .init(
            version: 2, name: "counters taken atomically",
            statements: [
                "CREATE TABLE kite_counter (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
                "INSERT INTO kite_counter (name, value) SELECT 'experiment', COALESCE(MAX(id), 0) FROM experiment",
            ]),
        .init(
            version: 3, name: "applied feature definitions",
            statements: [
                "CREATE TABLE feature_definition_version (number BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL, digest TEXT NOT NULL)",
                """
                CREATE TABLE feature_definition_file (
                    version BIGINT NOT NULL REFERENCES feature_definition_version (number) ON DELETE CASCADE,
                    name TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (version, name))
                """,
                "INSERT INTO kite_counter (name, value) VALUES ('feature_definitions', 0)",
            ]),
        // Searches filter by key and value as sets (`run.id IN (SELECT run_id … WHERE key = ? AND value > ?)`).
        // Metric values are numbers and indexed with their key; text values are not (PostgreSQL refuses index
        // entries over 2.7 kB, and tag values reach 8,000 characters), so a text filter reads its key's rows.
        .init(
            version: 4, name: "key indexes for set-based search",
            statements: [
                "CREATE INDEX latest_metric_by_value ON latest_metric (key, value, run_id)",
                "CREATE INDEX param_by_key ON param (key, run_id)",
                "CREATE INDEX run_tag_by_key ON run_tag (key, run_id)",
                "CREATE INDEX experiment_tag_by_key ON experiment_tag (key, experiment_id)",
                "CREATE INDEX registered_model_tag_by_key ON registered_model_tag (key, name)",
                "CREATE INDEX logged_model_tag_by_key ON logged_model_tag (key, model_id)",
                "CREATE INDEX logged_model_param_by_key ON logged_model_param (key, model_id)",
            ]),
        // Kite's one time type is microseconds since the epoch; MLflow's milliseconds exist only in its JSON.
        .init(
            version: 5, name: "times in microseconds",
            statements: [
                "UPDATE experiment SET creation_time = creation_time * 1000, last_update_time = last_update_time * 1000",
                "UPDATE run SET start_time = start_time * 1000, end_time = end_time * 1000, deleted_time = deleted_time * 1000",
                "UPDATE metric SET timestamp = timestamp * 1000",
                "UPDATE latest_metric SET timestamp = timestamp * 1000",
                "UPDATE logged_model SET creation_time = creation_time * 1000, last_updated_time = last_updated_time * 1000",
                "UPDATE registered_model SET creation_time = creation_time * 1000, last_updated_time = last_updated_time * 1000",
                "UPDATE model_version SET creation_time = creation_time * 1000, last_updated_time = last_updated_time * 1000",
            ]),
        // Each finished `kite materialize` window of a view; `materialize-incremental` continues from the latest end.
        .init(
            version: 6, name: "materialized intervals",
            statements: [
                """
                CREATE TABLE materialization (
                    view TEXT NOT NULL, start_time BIGINT NOT NULL, end_time BIGINT NOT NULL, rows BIGINT NOT NULL,
                    finished_at BIGINT NOT NULL, PRIMARY KEY (view, end_time, start_time))
                """
            ]),
        // Equality filters on params and tags (`params.model = 'gbdt'`) answered from the index alone on SQLite.
        .init(
            version: 7, name: "value indexes for params and tags",
            statements: [
                "CREATE INDEX param_by_value ON param (key, {value_key}, run_id)",
                "CREATE INDEX run_tag_by_value ON run_tag (key, {value_key}, run_id)",
            ]),
        // A run's rows refer to it by an integer (`run.seq`, numbered by the `run` counter) instead of its 32-character
        // id: set-based filters and loads compare integers. Each table is rebuilt, as SQLite cannot change a key.
        .init(version: 8, name: "integer run keys", statements: integerRunKeys),
        // API tokens for `kite serve` with auth on: only a token's SHA-256 is kept.
        .init(
            version: 9, name: "API tokens",
            statements: [
                """
                CREATE TABLE api_token (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
                    created_time BIGINT NOT NULL, revoked_time BIGINT)
                """
            ]),
        // A/B tests between versions of a model: the definition is JSON owned by the ABTesting module; the
        // registry keeps the key, model and status it queries, and lets one test run per model.
        .init(
            version: 10, name: "A/B tests",
            statements: [
                """
                CREATE TABLE ab_test (
                    key TEXT PRIMARY KEY, model TEXT NOT NULL, status TEXT NOT NULL, definition TEXT NOT NULL,
                    created_time BIGINT NOT NULL, updated_time BIGINT NOT NULL)
                """,
                "CREATE UNIQUE INDEX ab_test_running ON ab_test (model) WHERE status = 'running'",
            ]),
        // Pipeline runs and their steps' attempts. A scheduled run exists once per pipeline and logical time (so
        // schedulers sharing the registry create it once), and is executed by the scheduler holding its lease.
        .init(
            version: 11, name: "pipeline runs",
            statements: [
                """
                CREATE TABLE pipeline_run (
                    id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, logical_time BIGINT NOT NULL, run_trigger TEXT NOT NULL,
                    status TEXT NOT NULL, queued_time BIGINT NOT NULL, start_time BIGINT, end_time BIGINT, message TEXT,
                    lease_owner TEXT, lease_expires BIGINT)
                """,
                "CREATE UNIQUE INDEX pipeline_run_scheduled ON pipeline_run (pipeline, logical_time) WHERE run_trigger = 'scheduled'",
                "CREATE INDEX pipeline_run_by_pipeline ON pipeline_run (pipeline, queued_time)",
                "CREATE INDEX pipeline_run_by_status ON pipeline_run (status, logical_time)",
                """
                CREATE TABLE pipeline_attempt (
                    run_id TEXT NOT NULL, step TEXT NOT NULL, task INTEGER NOT NULL, attempt INTEGER NOT NULL, status TEXT NOT NULL,
                    start_time BIGINT NOT NULL, end_time BIGINT, exit_code INTEGER, log TEXT, message TEXT,
                    PRIMARY KEY (run_id, step, task, attempt))
                """,
            ]),
    ])

    /// Migration 8: `run.seq`, and every table of run rows rebuilt on `run_seq`.
    private static let integerRunKeys: [String] = {
        var statements = [
            "ALTER TABLE run ADD COLUMN seq BIGINT",
            "UPDATE run SET seq = r.n FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY start_time, id) AS n FROM run) r WHERE run.id = r.id",
            "CREATE UNIQUE INDEX run_by_seq ON run (seq)",
            "CREATE INDEX run_by_lifecycle ON run (experiment_id, lifecycle_stage, seq)",
            "INSERT INTO kite_counter (name, value) SELECT 'run', COALESCE(MAX(seq), 0) FROM run",
        ]
        // (table, columns after run_seq, key and indexes); rows are copied in their old order.
        let tables: [(String, String, [String], String)] = [
            (
                "param", "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_seq, key)",
                [
                    "CREATE INDEX param_by_key ON param (key, run_seq)",
                    "CREATE INDEX param_by_value ON param (key, {value_key}, run_seq)",
                ], "key, value"
            ),
            (
                "run_tag", "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_seq, key)",
                [
                    "CREATE INDEX run_tag_by_key ON run_tag (key, run_seq)",
                    "CREATE INDEX run_tag_by_value ON run_tag (key, {value_key}, run_seq)",
                ], "key, value"
            ),
            (
                "latest_metric", "key TEXT NOT NULL, value DOUBLE PRECISION, timestamp BIGINT NOT NULL, step BIGINT NOT NULL, PRIMARY KEY (run_seq, key)",
                [
                    "CREATE INDEX latest_metric_by_value ON latest_metric (key, value, run_seq)"
                ], "key, value, timestamp, step"
            ),
            (
                "metric", "key TEXT NOT NULL, value DOUBLE PRECISION, timestamp BIGINT NOT NULL, step BIGINT NOT NULL, model_id TEXT",
                [
                    "CREATE UNIQUE INDEX metric_identity ON metric (run_seq, key, step, timestamp, value)"
                ], "key, value, timestamp, step, model_id"
            ),
            (
                "run_input",
                "name TEXT NOT NULL, digest TEXT NOT NULL, source_type TEXT NOT NULL, source TEXT NOT NULL, schema TEXT, profile TEXT, tags TEXT NOT NULL, PRIMARY KEY (run_seq, name, digest)",
                [], "name, digest, source_type, source, schema, profile, tags"
            ),
            ("run_output", "model_id TEXT NOT NULL, step BIGINT NOT NULL, PRIMARY KEY (run_seq, model_id)", [], "model_id, step"),
        ]
        for (table, columns, indexes, copied) in tables {
            // The metric table keeps its arrival order in a serial column, renumbered by the copy in that order; the
            // others are stored in key order, so loading a run's rows is one seek.
            let serial = table == "metric" ? "seq {serial}, " : ""
            let order = table == "metric" ? " ORDER BY t.seq" : ""
            let source = copied.split(separator: ",").map { "t.\($0.trimmingCharacters(in: .whitespaces))" }.joined(separator: ", ")
            statements +=
                [
                    "CREATE TABLE \(table)_v8 (\(serial)run_seq BIGINT NOT NULL, \(columns))\(table == "metric" ? "" : "{clustered}")",
                    "INSERT INTO \(table)_v8 (run_seq, \(copied)) SELECT r.seq, \(source) FROM \(table) t JOIN run r ON r.id = t.run_id\(order)",
                    "DROP TABLE \(table)",
                    "ALTER TABLE \(table)_v8 RENAME TO \(table)",
                ] + indexes
        }
        return statements
    }()
}
