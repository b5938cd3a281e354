import Registry

/// The registry's records in MLflow's REST shapes (protobuf JSON: snake_case, milliseconds, enums by name,
/// unset fields left out).
enum MLflowJSON {
    static func pairs(_ dictionary: [String: String]) -> JSONValue {
        .array(dictionary.sorted { $0.key < $1.key }.map { .object(["key": .string($0.key), "value": .string($0.value)]) })
    }

    static func string(_ text: String?) -> JSONValue? { text.map(JSONValue.string) }

    static func experiment(_ experiment: Experiment) -> JSONValue {
        .object([
            "experiment_id": .string(experiment.id), "name": .string(experiment.name),
            "artifact_location": .string(experiment.artifactLocation), "lifecycle_stage": .string(experiment.lifecycleStage),
            "last_update_time": MLflowTime.json(experiment.lastUpdateTime), "creation_time": MLflowTime.json(experiment.creationTime),
            "tags": pairs(experiment.tags),
        ])
    }

    static func metric(_ metric: Metric) -> JSONValue {
        .object([
            "key": .string(metric.key), "value": .number(metric.value), "timestamp": MLflowTime.json(metric.timestamp), "step": .integer(metric.step),
            "model_id": string(metric.modelID),
        ])
    }

    static func runInfo(_ run: Run) -> JSONValue {
        .object([
            "run_id": .string(run.id), "run_uuid": .string(run.id), "run_name": .string(run.name),
            "experiment_id": .string(run.experimentID), "user_id": .string(run.userID), "status": .string(run.status.rawValue),
            "start_time": MLflowTime.json(run.startTime), "end_time": MLflowTime.json(run.endTime),
            "artifact_uri": .string(run.artifactURI), "lifecycle_stage": .string(run.lifecycleStage),
        ])
    }

    static func run(_ run: Run) -> JSONValue {
        .object([
            "info": runInfo(run),
            "data": .object([
                "metrics": .array(run.metrics.values.sorted { $0.key < $1.key }.map(metric)),
                "params": pairs(run.params), "tags": pairs(run.tags),
            ]),
            "inputs": .object([
                "dataset_inputs": .array(
                    run.inputs.map { input in
                        .object([
                            "tags": pairs(input.tags),
                            "dataset": .object([
                                "name": .string(input.name), "digest": .string(input.digest), "source_type": .string(input.sourceType),
                                "source": .string(input.source), "schema": string(input.schema), "profile": string(input.profile),
                            ]),
                        ])
                    })
            ]),
            "outputs": .object([
                "model_outputs": .array(run.outputs.map { .object(["model_id": .string($0.modelID), "step": .integer($0.step)]) })
            ]),
        ])
    }

    static func loggedModel(_ model: LoggedModel) -> JSONValue {
        .object([
            "info": .object([
                "model_id": .string(model.id), "experiment_id": .string(model.experimentID), "name": .string(model.name),
                "creation_timestamp_ms": MLflowTime.json(model.creationTime), "last_updated_timestamp_ms": MLflowTime.json(model.lastUpdatedTime),
                "artifact_uri": .string(model.artifactLocation), "status": .string(model.status),
                "model_type": string(model.modelType), "source_run_id": string(model.sourceRunID), "tags": pairs(model.tags),
            ]),
            "data": .object(["params": pairs(model.params), "metrics": .array([])]),
        ])
    }

    static func modelVersion(_ version: ModelVersion) -> JSONValue {
        .object([
            "name": .string(version.name), "version": .string(String(version.version)),
            "creation_timestamp": MLflowTime.json(version.creationTime), "last_updated_timestamp": MLflowTime.json(version.lastUpdatedTime),
            "current_stage": .string(version.currentStage), "description": .string(version.description),
            "source": .string(version.source), "run_id": string(version.runID), "status": .string(version.status),
            "tags": pairs(version.tags), "run_link": string(version.runLink), "aliases": .array(version.aliases.map(JSONValue.string)),
            "model_id": string(version.modelID),
        ])
    }

    static func registeredModel(_ model: RegisteredModel) -> JSONValue {
        .object([
            "name": .string(model.name), "creation_timestamp": MLflowTime.json(model.creationTime),
            "last_updated_timestamp": MLflowTime.json(model.lastUpdatedTime), "description": .string(model.description),
            "latest_versions": .array(model.latestVersions.map(modelVersion)), "tags": pairs(model.tags),
            "aliases": .array(model.aliases.sorted { $0.key < $1.key }.map { .object(["alias": .string($0.key), "version": .string(String($0.value))]) }),
        ])
    }

    /// A search page: `key` holds the items; `next_page_token` appears when there are more.
    static func page<Item>(_ key: String, _ page: RegistryStore.Page<Item>, _ encode: (Item) -> JSONValue) -> JSONValue {
        .object([key: .array(page.items.map(encode)), "next_page_token": string(page.nextPageToken)])
    }
}

extension MLflowJSON {
    /// `/api/3.0/mlflow/server-info`: what this server offers the MLflow 3 client.
    static let serverInfo = JSONValue.object([
        "store_type": .string("SqlStore"), "workspaces_enabled": .bool(false), "trace_archival_enabled": .bool(false),
        "multipart_uploads_enabled": .bool(false), "multipart_downloads_enabled": .bool(false),
        "presigned_upload_run_id_supported": .bool(false), "presigned_upload_model_id_supported": .bool(false),
        "features_enabled": .object(["gateway": .bool(false)]),
    ])
}
