import KiteCore

extension RegistryStore {
    static let stages = ["None", "Staging", "Production", "Archived"]

    // MARK: Registered models

    /// Registers a model name unless it is registered already (concurrent callers may both try: one wins, the
    /// other's `already_exists` is taken as success).
    public func createRegisteredModelIfMissing(name: String) async throws {
        do { _ = try await registeredModel(name: name) } catch let error as KiteError where error.code == .notFound {
            do { _ = try await createRegisteredModel(name: name) } catch let error as KiteError where error.code == .alreadyExists {}
        }
    }

    /// Registers a model name.
    public func createRegisteredModel(name: String, description: String = "", tags: [String: String] = [:]) async throws -> RegisteredModel {
        try RegistryLimits.checkName(name, of: "a registered model")
        return try await database.write { session in
            if try session.first("SELECT name FROM registered_model WHERE name = ?", [.text(name)]) != nil {
                throw Self.duplicate("a registered model named '\(name)' already exists")
            }
            let now = self.clock.now()
            try session.execute(
                "INSERT INTO registered_model (name, creation_time, last_updated_time, description, last_version) VALUES (?, ?, ?, ?, 0)",
                [.text(name), .integer(now), .integer(now), .text(description)])
            for (key, value) in tags {
                try Self.setTag(session, table: "registered_model_tag", owner: [("name", .text(name))], key: key, value: value)
            }
            return try Self.registeredModel(session, name: name)
        }
    }

    /// The registered model `name` with its tags, aliases and latest version per stage.
    public func registeredModel(name: String) async throws -> RegisteredModel {
        try await database.read { session in try Self.registeredModel(session, name: name) }
    }

    static func registeredModel(_ session: any SQLSession, name: String) throws -> RegisteredModel {
        guard let row = try session.first("SELECT * FROM registered_model WHERE name = ?", [.text(name)]) else {
            throw missing("no registered model named '\(name)'")
        }
        var aliases: [String: Int64] = [:]
        for alias in try session.query("SELECT alias, version FROM model_alias WHERE name = ?", [.text(name)]) {
            aliases[alias.text("alias")] = alias.integer("version") ?? 0
        }
        var latest: [ModelVersion] = []
        for stage in stages {
            if let version = try session.first(
                "SELECT version FROM model_version WHERE name = ? AND current_stage = ? ORDER BY version DESC LIMIT 1", [.text(name), .text(stage)])
            {
                latest.append(try modelVersion(session, name: name, version: version.integer("version") ?? 0))
            }
        }
        return RegisteredModel(
            name: name, creationTime: row.integer("creation_time") ?? 0, lastUpdatedTime: row.integer("last_updated_time") ?? 0,
            description: row.text("description"), tags: try tags(session, table: "registered_model_tag", owner: [("name", .text(name))]),
            aliases: aliases, latestVersions: latest)
    }

    /// Renames a registered model, its versions, tags and aliases with it.
    public func renameRegisteredModel(name: String, to newName: String) async throws -> RegisteredModel {
        try RegistryLimits.checkName(newName, of: "a registered model")
        return try await database.write { session in
            _ = try Self.registeredModel(session, name: name)
            if try session.first("SELECT name FROM registered_model WHERE name = ?", [.text(newName)]) != nil {
                throw Self.duplicate("a registered model named '\(newName)' already exists")
            }
            for table in ["registered_model", "registered_model_tag", "model_version", "model_version_tag", "model_alias"] {
                try session.execute("UPDATE \(table) SET name = ? WHERE name = ?", [.text(newName), .text(name)])
            }
            try session.execute("UPDATE registered_model SET last_updated_time = ? WHERE name = ?", [.integer(self.clock.now()), .text(newName)])
            return try Self.registeredModel(session, name: newName)
        }
    }

    /// Changes a registered model's description.
    public func updateRegisteredModel(name: String, description: String) async throws -> RegisteredModel {
        try await database.write { session in
            _ = try Self.registeredModel(session, name: name)
            try session.execute(
                "UPDATE registered_model SET description = ?, last_updated_time = ? WHERE name = ?",
                [.text(description), .integer(self.clock.now()), .text(name)])
            return try Self.registeredModel(session, name: name)
        }
    }

    /// Deletes a registered model with its versions, tags and aliases.
    public func deleteRegisteredModel(name: String) async throws {
        try await database.write { session in
            _ = try Self.registeredModel(session, name: name)
            for table in ["registered_model_tag", "model_version", "model_version_tag", "model_alias", "registered_model"] {
                try session.execute("DELETE FROM \(table) WHERE name = ?", [.text(name)])
            }
        }
    }

    /// Sets or deletes (`value` nil) a tag of a registered model.
    public func setRegisteredModelTag(name: String, key: String, value: String?) async throws {
        try await database.write { session in
            _ = try Self.registeredModel(session, name: name)
            if let value {
                try Self.setTag(session, table: "registered_model_tag", owner: [("name", .text(name))], key: key, value: value)
            } else {
                try session.execute("DELETE FROM registered_model_tag WHERE name = ? AND key = ?", [.text(name), .text(key)])
            }
        }
    }

    /// Registered models that pass `filter` (`name LIKE 'fraud%'`, ``tags.`team` = 'risk'``), by name by default.
    public func searchRegisteredModels(filter: String = "", orderBy: [String] = [], maxResults: Int = 100, pageToken: String? = nil) async throws -> Page<
        RegisteredModel
    > {
        try PageToken.check(maxResults: maxResults, limit: 1000)
        let search = SQLFilter(dialect: database.dialect, bareKeys: .attribute, missingTagsDiffer: true) { entity, key in
            switch (entity, key) {
            case (.tag, _): return .keyed(table: "registered_model_tag", owner: "name", outer: "registered_model.name", key: key, numeric: false)
            case (.attribute, "name"): return .init(sql: "registered_model.name", values: [], numeric: false)
            case (.attribute, "creation_timestamp"), (.attribute, "creation_time"): return .millis("registered_model.creation_time")
            case (.attribute, "last_updated_timestamp"), (.attribute, "last_updated_time"): return .millis("registered_model.last_updated_time")
            default: throw KiteError.invalidArgument("registered models can be filtered by name and tags, not '\(key)'")
            }
        }
        let (conditions, order, values) = try search.translate(filter: filter, orderBy: orderBy)
        return try await page(
            select: "SELECT name FROM registered_model", conditions: conditions, values: values, order: order + ["registered_model.name ASC"],
            maxResults: maxResults, pageToken: pageToken
        ) { session, row in try Self.registeredModel(session, name: row.text("name")) }
    }

    // MARK: Versions

    /// Registers a new version of `name` (creating the registered model if needed): its number is one more than
    /// any version the model ever had. Lineage (training set, feature service) is copied from the run's
    /// `kite.training_set` and `kite.feature_service` tags.
    public func createModelVersion(
        name: String, source: String, runID: String? = nil, runLink: String? = nil, description: String = "",
        modelID: String? = nil, tags: [String: String] = [:]
    ) async throws -> ModelVersion {
        try RegistryLimits.checkName(name, of: "a registered model")
        guard !source.isEmpty else { throw KiteError.invalidArgument("a model version needs a source (where the model's files are)") }
        // A logged model or a run's artifacts, or a folder of the artifact store; never a path of this machine.
        if !(source.hasPrefix("models:/") || source.hasPrefix("runs:/")) {
            try checkArtifactLocation(source, of: "a model version's source")
        }
        return try await database.write { session in
            // A version registered from a logged model (MLflow 3) belongs to the run that logged it.
            var runID = runID.flatMap { $0.isEmpty ? nil : $0 }
            if runID == nil, let modelID, let model = try session.first("SELECT source_run_id FROM logged_model WHERE id = ?", [.text(modelID)]) {
                runID = model.optionalText("source_run_id")
            }
            var lineage: [String: String] = [:]
            if let runID {
                let run = try Self.run(session, id: runID)
                lineage = run.tags
            }
            // One statement takes the number: concurrent writers on PostgreSQL wait on the row's lock, so each
            // gets its own (a read followed by an update would hand two of them the same number).
            let now = self.clock.now()
            guard
                let row = try session.first(
                    "UPDATE registered_model SET last_version = last_version + 1, last_updated_time = ? WHERE name = ? RETURNING last_version",
                    [.integer(now), .text(name)]),
                let version = row.integer("last_version")
            else {
                throw Self.missing("no registered model named '\(name)'; create it first")
            }
            try session.execute(
                """
                INSERT INTO model_version (name, version, creation_time, last_updated_time, description, source, run_id, run_link,
                    status, current_stage, model_id, training_set, feature_service)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'READY', 'None', ?, ?, ?)
                """,
                [
                    .text(name), .integer(version), .integer(now), .integer(now), .text(description), .text(source),
                    SQLValue(runID), SQLValue(runLink), SQLValue(modelID),
                    SQLValue(lineage["kite.training_set"]), SQLValue(lineage["kite.feature_service"]),
                ])
            for (key, value) in tags {
                try Self.setTag(session, table: "model_version_tag", owner: [("name", .text(name)), ("version", .integer(version))], key: key, value: value)
            }
            return try Self.modelVersion(session, name: name, version: version)
        }
    }

    /// Version `version` of `name`.
    public func modelVersion(name: String, version: String) async throws -> ModelVersion {
        let number = try Self.versionNumber(version)
        return try await database.read { session in try Self.modelVersion(session, name: name, version: number) }
    }

    static func versionNumber(_ text: String) throws -> Int64 {
        guard let number = Int64(text), number > 0 else {
            throw KiteError.invalidArgument("model version '\(text)' is not a positive whole number")
        }
        return number
    }

    static func modelVersion(_ session: any SQLSession, name: String, version: Int64) throws -> ModelVersion {
        guard let row = try session.first("SELECT * FROM model_version WHERE name = ? AND version = ?", [.text(name), .integer(version)]) else {
            throw missing("registered model '\(name)' has no version \(version)")
        }
        let aliases = try session.query("SELECT alias FROM model_alias WHERE name = ? AND version = ? ORDER BY alias", [.text(name), .integer(version)])
        return ModelVersion(
            name: name, version: version, creationTime: row.integer("creation_time") ?? 0, lastUpdatedTime: row.integer("last_updated_time") ?? 0,
            description: row.text("description"), source: row.text("source"), runID: row.optionalText("run_id"),
            runLink: row.optionalText("run_link"), status: row.text("status"), currentStage: row.text("current_stage"),
            modelID: row.optionalText("model_id"),
            tags: try tags(session, table: "model_version_tag", owner: [("name", .text(name)), ("version", .integer(version))]),
            aliases: aliases.map { $0.text("alias") }, trainingSet: row.optionalText("training_set"), featureService: row.optionalText("feature_service"))
    }

    /// Changes a version's description.
    public func updateModelVersion(name: String, version: String, description: String) async throws -> ModelVersion {
        let number = try Self.versionNumber(version)
        return try await database.write { session in
            _ = try Self.modelVersion(session, name: name, version: number)
            try session.execute(
                "UPDATE model_version SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?",
                [.text(description), .integer(self.clock.now()), .text(name), .integer(number)])
            return try Self.modelVersion(session, name: name, version: number)
        }
    }

    /// Moves a version to a stage (MLflow's deprecated stages, for old clients); `archiveExisting` archives the
    /// other versions in that stage.
    public func transitionModelVersion(name: String, version: String, stage: String, archiveExisting: Bool = false) async throws -> ModelVersion {
        let number = try Self.versionNumber(version)
        guard let canonical = Self.stages.first(where: { $0.lowercased() == stage.lowercased() }) else {
            throw KiteError.invalidArgument("stage '\(stage)' is not one of \(Self.stages.joined(separator: ", "))")
        }
        return try await database.write { session in
            _ = try Self.modelVersion(session, name: name, version: number)
            let now = self.clock.now()
            if archiveExisting, canonical == "Staging" || canonical == "Production" {
                try session.execute(
                    "UPDATE model_version SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND current_stage = ? AND version <> ?",
                    [.integer(now), .text(name), .text(canonical), .integer(number)])
            }
            try session.execute(
                "UPDATE model_version SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?",
                [.text(canonical), .integer(now), .text(name), .integer(number)])
            return try Self.modelVersion(session, name: name, version: number)
        }
    }

    /// Deletes a version (its number is not reused) with its tags and aliases.
    public func deleteModelVersion(name: String, version: String) async throws {
        let number = try Self.versionNumber(version)
        try await database.write { session in
            _ = try Self.modelVersion(session, name: name, version: number)
            for table in ["model_version_tag", "model_alias", "model_version"] {
                try session.execute("DELETE FROM \(table) WHERE name = ? AND version = ?", [.text(name), .integer(number)])
            }
        }
    }

    /// Sets or deletes (`value` nil) a tag of a model version.
    public func setModelVersionTag(name: String, version: String, key: String, value: String?) async throws {
        let number = try Self.versionNumber(version)
        try await database.write { session in
            _ = try Self.modelVersion(session, name: name, version: number)
            let owner: [(String, SQLValue)] = [("name", .text(name)), ("version", .integer(number))]
            if let value {
                try Self.setTag(session, table: "model_version_tag", owner: owner, key: key, value: value)
            } else {
                try session.execute("DELETE FROM model_version_tag WHERE name = ? AND version = ? AND key = ?", [.text(name), .integer(number), .text(key)])
            }
        }
    }

    /// Every version of `name`, newest first.
    public func modelVersions(name: String) async throws -> [ModelVersion] {
        try await database.read { session in
            _ = try Self.registeredModel(session, name: name)
            var versions: [ModelVersion] = []
            for row in try session.query("SELECT version FROM model_version WHERE name = ? ORDER BY version DESC", [.text(name)]) {
                versions.append(try Self.modelVersion(session, name: name, version: row.integer("version") ?? 0))
            }
            return versions
        }
    }

    /// Versions that pass `filter` (`name = 'fraud'`, `run_id = '…'`, ``tags.`k` = 'v'``), newest first by default.
    public func searchModelVersions(filter: String = "", orderBy: [String] = [], maxResults: Int = 10_000, pageToken: String? = nil) async throws -> Page<
        ModelVersion
    > {
        try PageToken.check(maxResults: maxResults, limit: 200_000)
        let search = SQLFilter(dialect: database.dialect, bareKeys: .attribute, missingTagsDiffer: true) { entity, key in
            switch (entity, key) {
            case (.tag, _):
                return .init(
                    sql: "(SELECT value FROM model_version_tag t WHERE t.name = model_version.name AND t.version = model_version.version AND t.key = ?)",
                    values: [.text(key)], numeric: false)
            case (.attribute, "name"), (.attribute, "run_id"), (.attribute, "source"), (.attribute, "current_stage"):
                return .init(sql: "model_version.\(key)", values: [], numeric: false)
            case (.attribute, "source_path"): return .init(sql: "model_version.source", values: [], numeric: false)
            case (.attribute, "version_number"), (.attribute, "version"): return .init(sql: "model_version.version", values: [], numeric: true)
            case (.attribute, "creation_timestamp"): return .millis("model_version.creation_time")
            case (.attribute, "last_updated_timestamp"): return .millis("model_version.last_updated_time")
            default: throw KiteError.invalidArgument("model versions can be filtered by name, run_id, source_path, version_number and tags, not '\(key)'")
            }
        }
        let (conditions, order, values) = try search.translate(filter: filter, orderBy: orderBy)
        return try await page(
            select: "SELECT name, version FROM model_version", conditions: conditions, values: values,
            order: order + ["model_version.name ASC", "model_version.version DESC"], maxResults: maxResults, pageToken: pageToken
        ) { session, row in try Self.modelVersion(session, name: row.text("name"), version: row.integer("version") ?? 0) }
    }

    // MARK: Aliases

    /// Points `alias` of `name` at `version` (moving it if it pointed elsewhere). `latest` and `v<digits>` are reserved.
    public func setAlias(name: String, alias: String, version: String) async throws {
        let number = try Self.versionNumber(version)
        try Self.checkAlias(alias)
        try await database.write { session in
            _ = try Self.modelVersion(session, name: name, version: number)
            try session.execute(
                "INSERT INTO model_alias (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
                [.text(name), .text(alias), .integer(number)])
        }
    }

    /// Removes an alias.
    public func deleteAlias(name: String, alias: String) async throws {
        try await database.write { session in
            guard try session.first("SELECT version FROM model_alias WHERE name = ? AND alias = ?", [.text(name), .text(alias)]) != nil else {
                throw Self.missing("registered model '\(name)' has no alias '\(alias)'")
            }
            try session.execute("DELETE FROM model_alias WHERE name = ? AND alias = ?", [.text(name), .text(alias)])
        }
    }

    /// The version `alias` points at.
    public func modelVersion(name: String, alias: String) async throws -> ModelVersion {
        try await database.read { session in
            guard let row = try session.first("SELECT version FROM model_alias WHERE name = ? AND alias = ?", [.text(name), .text(alias)]) else {
                throw Self.missing("registered model '\(name)' has no alias '\(alias)'")
            }
            return try Self.modelVersion(session, name: name, version: row.integer("version") ?? 0)
        }
    }

    static func checkAlias(_ alias: String) throws {
        guard !alias.isEmpty, alias.count <= 255, alias.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw KiteError.invalidArgument("alias '\(alias)' must be 1 to 255 letters, digits, '_' or '-'")
        }
        let lower = alias.lowercased()
        guard lower != "latest", !(lower.hasPrefix("v") && lower.count > 1 && lower.dropFirst().allSatisfy(\.isNumber)) else {
            throw KiteError.invalidArgument("alias '\(alias)' is reserved: 'latest' and 'v<number>' name versions already")
        }
    }
}
