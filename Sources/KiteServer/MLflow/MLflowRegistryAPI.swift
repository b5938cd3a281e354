import HTTPTypes
import KiteCore
import Registry

/// MLflow's model registry endpoints (`/api/2.0/mlflow/registered-models/…`, `model-versions/…`).
enum MLflowRegistryAPI {
    static func register(in routes: APIFamily, store: RegistryStore) {
        registerModels(in: routes, store: store)
        registerAliases(in: routes, store: store)
        registerVersions(in: routes, store: store)
        registerVersionTagsAndStages(in: routes, store: store)
    }

    private static let empty = MLflowTrackingAPI.empty

    /// Registered models: create, read, rename, update, delete, search, latest versions, tags.
    private static func registerModels(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "registered-models/create") { call in
            let p = call.parameters
            let model = try await store.createRegisteredModel(
                name: try p.required("name"), description: try p.string("description") ?? "", tags: try p.keyValues("tags"))
            return .object(["registered_model": MLflowJSON.registeredModel(model)])
        }
        routes.add(.get, "registered-models/get") { call in
            .object(["registered_model": MLflowJSON.registeredModel(try await store.registeredModel(name: try call.parameters.required("name")))])
        }
        routes.add(.post, "registered-models/rename") { call in
            let model = try await store.renameRegisteredModel(name: try call.parameters.required("name"), to: try call.parameters.required("new_name"))
            return .object(["registered_model": MLflowJSON.registeredModel(model)])
        }
        routes.add(.patch, "registered-models/update") { call in
            let model = try await store.updateRegisteredModel(
                name: try call.parameters.required("name"), description: try call.parameters.string("description") ?? "")
            return .object(["registered_model": MLflowJSON.registeredModel(model)])
        }
        routes.add(.delete, "registered-models/delete") { call in
            try await store.deleteRegisteredModel(name: try call.parameters.required("name"))
            return empty
        }
        let searchModels: APIFamily.Handler = { call in
            let p = call.parameters
            let page = try await store.searchRegisteredModels(
                filter: try p.string("filter") ?? "", orderBy: try p.strings("order_by"),
                maxResults: Int(try p.integer("max_results") ?? 100), pageToken: try p.string("page_token"))
            return MLflowJSON.page("registered_models", page, MLflowJSON.registeredModel)
        }
        routes.add(.get, "registered-models/search", searchModels)
        routes.add(.post, "registered-models/search", searchModels)
        routes.add(.post, "registered-models/get-latest-versions") { call in
            let model = try await store.registeredModel(name: try call.parameters.required("name"))
            let stages = try call.parameters.strings("stages").map { $0.lowercased() }
            let versions = model.latestVersions.filter { stages.isEmpty || stages.contains($0.currentStage.lowercased()) }
            return .object(["model_versions": .array(versions.map(MLflowJSON.modelVersion))])
        }
        routes.add(.post, "registered-models/set-tag") { call in
            let p = call.parameters
            try await store.setRegisteredModelTag(name: try p.required("name"), key: try p.required("key"), value: try p.string("value") ?? "")
            return empty
        }
        routes.add(.delete, "registered-models/delete-tag") { call in
            try await store.setRegisteredModelTag(name: try call.parameters.required("name"), key: try call.parameters.required("key"), value: nil)
            return empty
        }
    }

    /// Aliases (`champion`, `challenger`, …) pointing at versions.
    private static func registerAliases(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "registered-models/alias") { call in
            let p = call.parameters
            try await store.setAlias(name: try p.required("name"), alias: try p.required("alias"), version: try p.required("version"))
            return empty
        }
        routes.add(.delete, "registered-models/alias") { call in
            try await store.deleteAlias(name: try call.parameters.required("name"), alias: try call.parameters.required("alias"))
            return empty
        }
        routes.add(.get, "registered-models/alias") { call in
            let version = try await store.modelVersion(name: try call.parameters.required("name"), alias: try call.parameters.required("alias"))
            return .object(["model_version": MLflowJSON.modelVersion(version)])
        }
    }

    /// Model versions: create, read, update, delete, search, download URI.
    private static func registerVersions(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "model-versions/create") { call in
            let p = call.parameters
            let version = try await store.createModelVersion(
                name: try p.required("name"), source: try p.required("source"), runID: try p.string("run_id"),
                runLink: try p.string("run_link"), description: try p.string("description") ?? "", modelID: try p.string("model_id"),
                tags: try p.keyValues("tags"))
            return .object(["model_version": MLflowJSON.modelVersion(version)])
        }
        routes.add(.get, "model-versions/get") { call in
            let version = try await store.modelVersion(name: try call.parameters.required("name"), version: try call.parameters.required("version"))
            return .object(["model_version": MLflowJSON.modelVersion(version)])
        }
        routes.add(.patch, "model-versions/update") { call in
            let p = call.parameters
            let version = try await store.updateModelVersion(
                name: try p.required("name"), version: try p.required("version"), description: try p.string("description") ?? "")
            return .object(["model_version": MLflowJSON.modelVersion(version)])
        }
        routes.add(.delete, "model-versions/delete") { call in
            try await store.deleteModelVersion(name: try call.parameters.required("name"), version: try call.parameters.required("version"))
            return empty
        }
        let searchVersions: APIFamily.Handler = { call in
            let p = call.parameters
            let page = try await store.searchModelVersions(
                filter: try p.string("filter") ?? "", orderBy: try p.strings("order_by"),
                maxResults: Int(try p.integer("max_results") ?? 10_000), pageToken: try p.string("page_token"))
            return MLflowJSON.page("model_versions", page, MLflowJSON.modelVersion)
        }
        routes.add(.get, "model-versions/search", searchVersions)
        routes.add(.post, "model-versions/search", searchVersions)
        routes.add(.get, "model-versions/get-download-uri") { call in
            let version = try await store.modelVersion(name: try call.parameters.required("name"), version: try call.parameters.required("version"))
            var uri = version.source
            if let modelID = version.modelID, uri.hasPrefix("models:/") {
                uri = try await store.loggedModel(id: modelID).artifactLocation
            }
            return .object(["artifact_uri": .string(uri)])
        }
    }

    /// A version's tags and its (deprecated in MLflow, still used) stage transitions.
    private static func registerVersionTagsAndStages(in routes: APIFamily, store: RegistryStore) {
        routes.add(.post, "model-versions/set-tag") { call in
            let p = call.parameters
            try await store.setModelVersionTag(
                name: try p.required("name"), version: try p.required("version"), key: try p.required("key"), value: try p.string("value") ?? "")
            return empty
        }
        routes.add(.delete, "model-versions/delete-tag") { call in
            let p = call.parameters
            try await store.setModelVersionTag(name: try p.required("name"), version: try p.required("version"), key: try p.required("key"), value: nil)
            return empty
        }
        routes.add(.post, "model-versions/transition-stage") { call in
            let p = call.parameters
            let version = try await store.transitionModelVersion(
                name: try p.required("name"), version: try p.required("version"), stage: try p.required("stage"),
                archiveExisting: try p.bool("archive_existing_versions") ?? false)
            return .object(["model_version": MLflowJSON.modelVersion(version)])
        }
    }
}
