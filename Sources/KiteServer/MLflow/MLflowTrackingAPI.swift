import Foundation
import HTTPTypes
import KiteCore
import Registry

/// MLflow's tracking endpoints (`/api/2.0/mlflow/experiments/…`, `runs/…`, `metrics/…`, `logged-models/…`)
/// over the registry store.
enum MLflowTrackingAPI {
    static let empty = JSONValue.object([])

    static func viewType(_ text: String?) throws -> RegistryStore.ViewType {
        guard let text, !text.isEmpty else { return .activeOnly }
        guard let view = RegistryStore.ViewType(rawValue: text) else {
            throw KiteError.invalidArgument("view type '\(text)' is not ACTIVE_ONLY, DELETED_ONLY or ALL")
        }
        return view
    }

    static func register(in routes: APIFamily, store: RegistryStore) {
        registerExperiments(in: routes, store: store)
        registerRuns(in: routes, store: store)
        registerRunLogging(in: routes, store: store)
        registerLoggedModels(in: routes, store: store)
    }

    private static func registerExperiments(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "experiments/create") { call in
            let p = call.parameters
            let id = try await store.createExperiment(
                name: try p.required("name"), artifactLocation: try p.string("artifact_location").flatMap { $0.isEmpty ? nil : $0 },
                tags: try p.keyValues("tags"))
            return .object(["experiment_id": .string(id)])
        }
        routes.add(.get, "experiments/get") { call in
            .object(["experiment": MLflowJSON.experiment(try await store.experiment(id: try call.parameters.required("experiment_id")))])
        }
        routes.add(.get, "experiments/get-by-name") { call in
            .object(["experiment": MLflowJSON.experiment(try await store.experiment(named: try call.parameters.required("experiment_name")))])
        }
        let search: APIFamily.Handler = { call in
            let p = call.parameters
            let page = try await store.searchExperiments(
                filter: try p.string("filter") ?? "", viewType: try viewType(p.string("view_type")), orderBy: try p.strings("order_by"),
                maxResults: Int(try p.integer("max_results") ?? 1000), pageToken: try p.string("page_token"))
            return MLflowJSON.page("experiments", page, MLflowJSON.experiment)
        }
        routes.add(.post, "experiments/search", search)
        routes.add(.get, "experiments/search", search)
        routes.add(.post, "experiments/update") { call in
            try await store.renameExperiment(id: try call.parameters.required("experiment_id"), to: try call.parameters.required("new_name"))
            return empty
        }
        routes.add(.post, "experiments/delete") { call in
            try await store.setExperimentDeleted(id: try call.parameters.required("experiment_id"), true)
            return empty
        }
        routes.add(.post, "experiments/restore") { call in
            try await store.setExperimentDeleted(id: try call.parameters.required("experiment_id"), false)
            return empty
        }
        routes.add(.post, "experiments/set-experiment-tag") { call in
            let p = call.parameters
            try await store.setExperimentTag(id: try p.required("experiment_id"), key: try p.required("key"), value: try p.string("value") ?? "")
            return empty
        }
        routes.add(.post, "experiments/delete-experiment-tag") { call in
            try await store.deleteExperimentTag(id: try call.parameters.required("experiment_id"), key: try call.parameters.required("key"))
            return empty
        }
    }

    /// Runs: create, read, update, delete, restore, search, tags.
    private static func registerRuns(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "runs/create") { call in
            let p = call.parameters
            let run = try await store.createRun(
                experimentID: try p.string("experiment_id") ?? "0", name: try p.string("run_name"), userID: try p.string("user_id") ?? "",
                startTime: try p.time("start_time"), tags: try p.keyValues("tags"))
            return .object(["run": MLflowJSON.run(run)])
        }
        routes.add(.get, "runs/get") { call in
            .object(["run": MLflowJSON.run(try await store.run(id: try call.parameters.required("run_id", or: "run_uuid")))])
        }
        routes.add(.post, "runs/update") { call in
            let p = call.parameters
            let run = try await store.updateRun(
                id: try p.required("run_id", or: "run_uuid"), status: try p.string("status").map(RunStatus.init(parsing:)), endTime: try p.time("end_time"),
                name: try p.string("run_name"))
            return .object(["run_info": MLflowJSON.runInfo(run)])
        }
        routes.add(.post, "runs/delete") { call in
            try await store.setRunDeleted(id: try call.parameters.required("run_id"), true)
            return empty
        }
        routes.add(.post, "runs/restore") { call in
            try await store.setRunDeleted(id: try call.parameters.required("run_id"), false)
            return empty
        }
        routes.add(.post, "runs/search") { call in
            let p = call.parameters
            let page = try await store.searchRuns(
                experimentIDs: try p.strings("experiment_ids"), filter: try p.string("filter") ?? "",
                viewType: try viewType(p.string("run_view_type")), orderBy: try p.strings("order_by"),
                maxResults: Int(try p.integer("max_results") ?? 1000), pageToken: try p.string("page_token"))
            return MLflowJSON.page("runs", page, MLflowJSON.run)
        }
        routes.add(.post, "runs/set-tag") { call in
            let p = call.parameters
            try await store.setRunTag(id: try p.required("run_id", or: "run_uuid"), key: try p.required("key"), value: try p.string("value") ?? "")
            return empty
        }
        routes.add(.post, "runs/delete-tag") { call in
            try await store.deleteRunTag(id: try call.parameters.required("run_id"), key: try call.parameters.required("key"))
            return empty
        }
    }

    /// What a run records: metrics (and their history), params, input datasets, output models.
    private static func registerRunLogging(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "runs/log-metric") { call in
            let p = call.parameters
            try await store.log(runID: try p.required("run_id", or: "run_uuid"), metrics: [try metric(p, now: store.clock.now())])
            return empty
        }
        routes.add(.post, "runs/log-parameter") { call in
            let p = call.parameters
            try await store.log(runID: try p.required("run_id", or: "run_uuid"), params: [try p.required("key"): try p.string("value") ?? ""])
            return empty
        }
        routes.add(.post, "runs/log-batch") { call in
            let p = call.parameters
            var params: [String: String] = [:]
            for param in try p.objects("params") {
                let key = try param.required("key")
                let value = try param.string("value") ?? ""
                if let earlier = params[key], earlier != value {
                    throw KiteError.invalidArgument("param '\(key)' appears twice in the batch with different values")
                }
                params[key] = value
            }
            try await store.log(
                runID: try p.required("run_id"), metrics: try p.objects("metrics").map { try metric($0, now: store.clock.now()) }, params: params,
                tags: try p.keyValues("tags"))
            return empty
        }
        routes.add(.post, "runs/log-inputs") { call in
            let p = call.parameters
            let datasets = try p.objects("datasets").map { input -> DatasetInput in
                guard let dataset = try input.object("dataset") else { throw KiteError.invalidArgument("Missing value for required parameter 'dataset'") }
                return DatasetInput(
                    name: try dataset.required("name"), digest: try dataset.required("digest"), sourceType: try dataset.required("source_type"),
                    source: try dataset.required("source"), schema: try dataset.string("schema"), profile: try dataset.string("profile"),
                    tags: try input.keyValues("tags"))
            }
            try await store.logInputs(runID: try p.required("run_id"), datasets: datasets)
            return empty
        }
        routes.add(.post, "runs/outputs") { call in
            let p = call.parameters
            let models = try p.objects("models").map { ModelOutput(modelID: try $0.required("model_id"), step: try $0.integer("step") ?? 0) }
            try await store.logOutputs(runID: try p.required("run_id"), models: models)
            return empty
        }
        routes.add(.get, "metrics/get-history") { call in
            let p = call.parameters
            let history = try await store.metricHistory(runID: try p.required("run_id", or: "run_uuid"), key: try p.required("metric_key"))
            let limit = Int(try p.integer("max_results") ?? 25_000)
            guard limit > 0 else { throw KiteError.invalidArgument("max_results must be positive, not \(limit)") }
            let offset = try PageToken.offset(p.string("page_token"))
            let slice = history.dropFirst(offset).prefix(limit)
            let next = offset + slice.count < history.count ? PageToken.make(offset: offset + slice.count) : nil
            return .object(["metrics": .array(slice.map(MLflowJSON.metric)), "next_page_token": MLflowJSON.string(next)])
        }
    }

    /// A metric from log-metric or one entry of log-batch; the timestamp defaults to `now`.
    static func metric(_ p: APIParameters, now: Int64) throws -> Metric {
        guard let value = try p.number("value") else { throw KiteError.invalidArgument("Missing value for required parameter 'value'") }
        return Metric(
            key: try p.required("key"), value: value,
            timestamp: try p.time("timestamp") ?? now, step: try p.integer("step") ?? 0,
            modelID: try p.string("model_id").flatMap { $0.isEmpty ? nil : $0 })
    }

    private static func registerLoggedModels(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "logged-models") { call in
            let p = call.parameters
            let model = try await store.createLoggedModel(
                experimentID: try p.required("experiment_id"), name: try p.string("name"), sourceRunID: try p.string("source_run_id"),
                modelType: try p.string("model_type"), tags: try p.keyValues("tags"), params: try p.keyValues("params"))
            return .object(["model": MLflowJSON.loggedModel(model)])
        }
        routes.add(.get, "logged-models/{model_id}") { call in
            .object(["model": MLflowJSON.loggedModel(try await store.loggedModel(id: call.capture("model_id")))])
        }
        routes.add(.patch, "logged-models/{model_id}") { call in
            let status = try call.parameters.string("status") ?? "LOGGED_MODEL_READY"
            return .object(["model": MLflowJSON.loggedModel(try await store.finalizeLoggedModel(id: call.capture("model_id"), status: status))])
        }
        routes.add(.delete, "logged-models/{model_id}") { call in
            try await store.deleteLoggedModel(id: call.capture("model_id"))
            return empty
        }
        routes.add(.patch, "logged-models/{model_id}/tags") { call in
            for (key, value) in try call.parameters.keyValues("tags") {
                try await store.setLoggedModelTag(id: call.capture("model_id"), key: key, value: value)
            }
            return empty
        }
        routes.add(.delete, "logged-models/{model_id}/tags/{tag_key}") { call in
            try await store.setLoggedModelTag(id: call.capture("model_id"), key: call.capture("tag_key"), value: nil)
            return empty
        }
        routes.add(.post, "logged-models/{model_id}/params") { call in
            try await store.logLoggedModelParams(id: call.capture("model_id"), params: try call.parameters.keyValues("params"))
            return empty
        }
        routes.add(.post, "logged-models/search") { call in
            let p = call.parameters
            let orderBy = try p.objects("order_by").map { item -> String in
                "\(try item.required("field_name")) \(try item.bool("ascending") ?? true ? "ASC" : "DESC")"
            }
            let page = try await store.searchLoggedModels(
                experimentIDs: try p.strings("experiment_ids"), filter: try p.string("filter") ?? "", orderBy: orderBy,
                maxResults: Int(try p.integer("max_results") ?? 100), pageToken: try p.string("page_token"))
            return MLflowJSON.page("models", page, MLflowJSON.loggedModel)
        }
    }
}
