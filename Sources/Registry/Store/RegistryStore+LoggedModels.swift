import Foundation
import KiteCore

extension RegistryStore {
    static let loggedModelStatuses = ["LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"]

    /// Creates an MLflow 3 logged model in `experimentID` (pending until finalized); its files go under the
    /// experiment's artifact location, in `models/<id>/artifacts`.
    public func createLoggedModel(
        experimentID: String, name: String? = nil, sourceRunID: String? = nil, modelType: String? = nil,
        tags: [String: String] = [:], params: [String: String] = [:]
    ) async throws -> LoggedModel {
        let id = "m-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let modelName = name.flatMap { $0.isEmpty ? nil : $0 } ?? "model-\(id.dropFirst(2).prefix(8))"
        for (key, value) in params { try RegistryLimits.checkParam(key: key, value: value) }
        return try await database.write { session in
            let experiment = try Self.experiment(session, id: experimentID)
            if let sourceRunID, !sourceRunID.isEmpty { _ = try Self.run(session, id: sourceRunID) }
            let now = self.clock.now()
            try session.execute(
                """
                INSERT INTO logged_model (id, experiment_id, name, artifact_location, creation_time, last_updated_time, status,
                    source_run_id, model_type, lifecycle_stage)
                VALUES (?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', ?, ?, 'active')
                """,
                [
                    .text(id), .integer(Int64(experiment.id) ?? 0), .text(modelName), .text("\(experiment.artifactLocation)/models/\(id)/artifacts"),
                    .integer(now), .integer(now), SQLValue(sourceRunID.flatMap { $0.isEmpty ? nil : $0 }), SQLValue(modelType),
                ])
            for (key, value) in tags {
                try Self.setTag(session, table: "logged_model_tag", owner: [("model_id", .text(id))], key: key, value: value)
            }
            for (key, value) in params {
                try session.execute("INSERT INTO logged_model_param (model_id, key, value) VALUES (?, ?, ?)", [.text(id), .text(key), .text(value)])
            }
            return try Self.loggedModel(session, id: id)
        }
    }

    /// The logged model `id`.
    public func loggedModel(id: String) async throws -> LoggedModel {
        try await database.read { session in try Self.loggedModel(session, id: id) }
    }

    static func loggedModel(_ session: any SQLSession, id: String) throws -> LoggedModel {
        guard let row = try session.first("SELECT * FROM logged_model WHERE id = ?", [.text(id)]), row.text("lifecycle_stage") == "active" else {
            throw missing("no logged model with id '\(id)'")
        }
        let owner: [(String, SQLValue)] = [("model_id", .text(id))]
        return LoggedModel(
            id: id, experimentID: row.text("experiment_id"), name: row.text("name"), artifactLocation: row.text("artifact_location"),
            creationTime: row.integer("creation_time") ?? 0, lastUpdatedTime: row.integer("last_updated_time") ?? 0,
            status: row.text("status"), sourceRunID: row.optionalText("source_run_id"), modelType: row.optionalText("model_type"),
            tags: try tags(session, table: "logged_model_tag", owner: owner),
            params: try tags(session, table: "logged_model_param", owner: owner))
    }

    /// Marks a logged model READY (its files are uploaded) or UPLOAD_FAILED.
    public func finalizeLoggedModel(id: String, status: String) async throws -> LoggedModel {
        guard Self.loggedModelStatuses.contains(status) else {
            throw KiteError.invalidArgument("logged model status '\(status)' is not one of \(Self.loggedModelStatuses.joined(separator: ", "))")
        }
        return try await database.write { session in
            _ = try Self.loggedModel(session, id: id)
            try session.execute(
                "UPDATE logged_model SET status = ?, last_updated_time = ? WHERE id = ?", [.text(status), .integer(self.clock.now()), .text(id)])
            return try Self.loggedModel(session, id: id)
        }
    }

    /// Sets or deletes (`value` nil) a tag of a logged model.
    public func setLoggedModelTag(id: String, key: String, value: String?) async throws {
        try await database.write { session in
            _ = try Self.loggedModel(session, id: id)
            if let value {
                try Self.setTag(session, table: "logged_model_tag", owner: [("model_id", .text(id))], key: key, value: value)
            } else {
                try session.execute("DELETE FROM logged_model_tag WHERE model_id = ? AND key = ?", [.text(id), .text(key)])
            }
        }
    }

    /// Adds params to a logged model; a param may be logged again only with the same value.
    public func logLoggedModelParams(id: String, params: [String: String]) async throws {
        for (key, value) in params { try RegistryLimits.checkParam(key: key, value: value) }
        try await database.write { session in
            _ = try Self.loggedModel(session, id: id)
            for (key, value) in params {
                if let existing = try session.first("SELECT value FROM logged_model_param WHERE model_id = ? AND key = ?", [.text(id), .text(key)]) {
                    guard existing.text("value") == value else {
                        throw KiteError.invalidArgument("param '\(key)' of logged model \(id) is already '\(existing.text("value"))'; params cannot change")
                    }
                    continue
                }
                try session.execute("INSERT INTO logged_model_param (model_id, key, value) VALUES (?, ?, ?)", [.text(id), .text(key), .text(value)])
            }
        }
    }

    /// Marks a logged model deleted.
    public func deleteLoggedModel(id: String) async throws {
        try await database.write { session in
            _ = try Self.loggedModel(session, id: id)
            try session.execute("UPDATE logged_model SET lifecycle_stage = 'deleted' WHERE id = ?", [.text(id)])
        }
    }

    /// Logged models of `experimentIDs` that pass `filter` (`name = 'model'`, `source_run_id = '…'`, tags), newest first.
    public func searchLoggedModels(
        experimentIDs: [String], filter: String = "", orderBy: [String] = [], maxResults: Int = 100, pageToken: String? = nil
    ) async throws -> Page<LoggedModel> {
        try PageToken.check(maxResults: maxResults, limit: 1000)
        let ids = experimentIDs.compactMap { Int64($0) }
        guard ids.count == experimentIDs.count, !ids.isEmpty else {
            throw KiteError.invalidArgument("experiment ids must be numbers, and at least one is needed")
        }
        let search = SQLFilter(dialect: database.dialect, bareKeys: .attribute) { entity, key in
            switch (entity, key) {
            case (.tag, _): return .keyed(table: "logged_model_tag", owner: "model_id", outer: "logged_model.id", key: key, numeric: false)
            case (.param, _): return .keyed(table: "logged_model_param", owner: "model_id", outer: "logged_model.id", key: key, numeric: false)
            case (.attribute, "name"), (.attribute, "status"), (.attribute, "source_run_id"), (.attribute, "model_type"):
                return .init(sql: "logged_model.\(key)", values: [], numeric: false)
            case (.attribute, "model_id"): return .init(sql: "logged_model.id", values: [], numeric: false)
            case (.attribute, "creation_timestamp"), (.attribute, "creation_time"): return .millis("logged_model.creation_time")
            case (.attribute, "last_updated_timestamp"): return .millis("logged_model.last_updated_time")
            default: throw KiteError.invalidArgument("logged models can be filtered by name, status, source_run_id, tags and params, not '\(key)'")
            }
        }
        var (conditions, order, values) = try search.translate(filter: filter, orderBy: orderBy)
        conditions.insert("logged_model.lifecycle_stage = 'active'", at: 0)
        conditions.insert("logged_model.experiment_id IN (\(ids.map { _ in "?" }.joined(separator: ",")))", at: 0)
        values.insert(contentsOf: ids.map { .integer($0) }, at: 0)
        return try await page(
            select: "SELECT id FROM logged_model", conditions: conditions, values: values,
            order: order + ["logged_model.creation_time DESC", "logged_model.id ASC"], maxResults: maxResults, pageToken: pageToken
        ) { session, row in try Self.loggedModel(session, id: row.text("id")) }
    }
}
