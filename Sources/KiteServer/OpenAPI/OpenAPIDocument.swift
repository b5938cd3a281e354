import KiteCore

/// `GET /openapi.json`: an OpenAPI 3.1 description of Kite's own endpoints — health, the feature server, the
/// prediction endpoints, the Open Inference Protocol and pipelines (MLflow's REST API is MLflow's, documented
/// there). Only the families the server has enabled are listed.
enum OpenAPIDocument {
    /// The document for a server with the feature server, the prediction endpoints and/or pipelines enabled.
    static func json(features: Bool, predictions: Bool, pipelines: Bool) -> String {
        var paths = [health]
        if features { paths.append(featurePaths) }
        if predictions { paths.append(predictionPaths) }
        if pipelines { paths.append(pipelinePaths) }
        return """
            {"openapi": "3.1.0",
             "info": {"title": "Kite", "version": "\(KiteVersion.current)",
                      "description": "Kite's own HTTP API: the feature server (Feast's shapes), predictions (Kite's, MLflow's scoring protocol, the Open Inference Protocol), pipeline runs, health and metrics."},
             "paths": {\(paths.joined(separator: ",\n"))},
             "components": {"schemas": \(schemas)}}
            """
    }

    /// Responses every operation shares: a JSON error for anything but success.
    private static func responses(_ success: String, error: String = "Error") -> String {
        """
        {"200": {"description": "OK", "content": {"application/json": {"schema": \(success)}}},
         "default": {"description": "An error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/\(error)"}}}}}
        """
    }

    private static func post(_ summary: String, request: String, response: String, error: String = "Error") -> String {
        """
        {"post": {"summary": "\(summary)", "requestBody": {"required": true, "content": {"application/json": {"schema": \(request)}}},
                  "responses": \(responses(response, error: error))}}
        """
    }

    private static func get(_ summary: String, response: String, error: String = "Error", parameters: String = "[]") -> String {
        """
        {"get": {"summary": "\(summary)", "parameters": \(parameters), "responses": \(responses(response, error: error))}}
        """
    }

    private static let text = #"{"200": {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}}"#
    private static let name = #"{"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}"#
    private static let version = #"{"name": "version", "in": "path", "required": true, "schema": {"type": "string"}}"#
    private static let object = #"{"type": "object"}"#
    private static func ref(_ schema: String) -> String { ##"{"$ref": "#/components/schemas/\##(schema)"}"## }

    private static let health = """
        "/health": {"get": {"summary": "Liveness", "responses": \(text)}},
        "/version": {"get": {"summary": "Kite's version", "responses": \(text)}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": \(text)}}
        """

    private static var featurePaths: String {
        """
        "/get-online-features": \(post("Online features for entity rows (Feast's feature server)", request: ref("OnlineFeaturesRequest"), response: ref("OnlineFeaturesResponse"))),
        "/push": \(post("Push rows to a view's online and/or offline store", request: ref("PushRequest"), response: object)),
        "/write-to-online-store": \(post("Write rows to the online store", request: ref("PushRequest"), response: object)),
        "/materialize": \(post("Materialize views over a window", request: ref("MaterializeRequest"), response: object)),
        "/materialize-incremental": \(post("Materialize views from their last window", request: ref("MaterializeIncrementalRequest"), response: object))
        """
    }

    private static var predictionPaths: String {
        """
        "/v1/models": \(get("The served models", response: #"{"type": "object", "properties": {"models": {"type": "array", "items": \#(ref("ServedModel"))}}}"#)),
        "/v1/models/{name}": \(get("One served model", response: ref("ServedModel"), parameters: "[\(name)]")),
        "/v1/models/{name}/predict": {"post": {"summary": "Predict from entity keys (features read online) or whole rows",
            "parameters": [\(name)],
            "requestBody": {"required": true, "content": {"application/json": {"schema": \(ref("PredictRequest"))}}},
            "responses": \(responses(ref("PredictResponse")))}},
        "/invocations": \(post("MLflow's scoring protocol", request: ref("InvocationsRequest"), response: #"{"type": "object", "properties": {"predictions": {"type": "array"}}}"#)),
        "/ping": {"get": {"summary": "MLflow scoring server's health check", "responses": \(text)}},
        "/v2": \(get("Open Inference Protocol: server metadata", response: ref("ServerMetadata"), error: "InferenceError")),
        "/v2/health/live": \(get("Open Inference Protocol: liveness", response: object, error: "InferenceError")),
        "/v2/health/ready": \(get("Open Inference Protocol: readiness", response: object, error: "InferenceError")),
        "/v2/models/{name}": \(get("Open Inference Protocol: model metadata", response: ref("ModelMetadata"), error: "InferenceError", parameters: "[\(name)]")),
        "/v2/models/{name}/ready": \(get("Open Inference Protocol: model readiness", response: object, error: "InferenceError", parameters: "[\(name)]")),
        "/v2/models/{name}/versions/{version}": \(get("Open Inference Protocol: model version metadata", response: ref("ModelMetadata"), error: "InferenceError", parameters: "[\(name), \(version)]")),
        "/v2/models/{name}/versions/{version}/ready": \(get("Open Inference Protocol: model version readiness", response: object, error: "InferenceError", parameters: "[\(name), \(version)]")),
        "/v2/models/{name}/infer": {"post": {"summary": "Open Inference Protocol: inference", "parameters": [\(name)],
            "requestBody": {"required": true, "content": {"application/json": {"schema": \(ref("InferRequest"))}}},
            "responses": \(responses(ref("InferResponse"), error: "InferenceError"))}},
        "/v2/models/{name}/versions/{version}/infer": {"post": {"summary": "Open Inference Protocol: inference on a version", "parameters": [\(name), \(version)],
            "requestBody": {"required": true, "content": {"application/json": {"schema": \(ref("InferRequest"))}}},
            "responses": \(responses(ref("InferResponse"), error: "InferenceError"))}}
        """
    }

    private static var pipelinePaths: String {
        let id = #"{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}"#
        let limit = #"{"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}"#
        return """
            "/v1/pipelines": \(get("The project's pipelines with their next and latest runs", response: #"{"type": "object", "properties": {"pipelines": {"type": "array", "items": {"type": "object"}}, "scheduler": {"type": "boolean"}}}"#)),
            "/v1/pipelines/{name}/runs": {
                "get": {"summary": "A pipeline's runs, newest first, with their attempts", "parameters": [\(name), \(limit)],
                        "responses": \(responses(#"{"type": "object", "properties": {"runs": {"type": "array", "items": \#(ref("PipelineRun"))}}}"#))},
                "post": {"summary": "Queue a manual run for the scheduler", "parameters": [\(name)],
                         "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"logical_time": {"type": "string"}}}}}},
                         "responses": \(responses(ref("PipelineRun")))}},
            "/v1/pipelines/{name}/runs/{id}": \(get("One pipeline run with its attempts", response: ref("PipelineRun"), parameters: "[\(name), \(id)]"))
            """
    }

    private static let schemas = #"""
        {"Error": {"type": "object", "required": ["error"],
                   "properties": {"error": {"type": "object", "required": ["code", "message"],
                                            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
         "InferenceError": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
         "Scalar": {"type": ["string", "number", "integer", "boolean", "null"]},
         "Columns": {"type": "object", "description": "Columns by name, each an array of scalars of one length",
                     "additionalProperties": {"type": "array", "items": {"$ref": "#/components/schemas/Scalar"}}},
         "Row": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Scalar"}},
         "OnlineFeaturesRequest": {"type": "object", "required": ["entities"],
             "properties": {"features": {"type": "array", "items": {"type": "string"}}, "feature_service": {"type": "string"},
                            "entities": {"$ref": "#/components/schemas/Columns"}, "request_data": {"$ref": "#/components/schemas/Columns"},
                            "full_feature_names": {"type": "boolean"}}},
         "OnlineFeaturesResponse": {"type": "object", "required": ["metadata", "results"],
             "properties": {"metadata": {"type": "object", "properties": {"feature_names": {"type": "array", "items": {"type": "string"}}}},
                            "results": {"type": "array", "items": {"type": "object",
                                "properties": {"values": {"type": "array"}, "statuses": {"type": "array", "items": {"type": "string"}},
                                               "event_timestamps": {"type": "array", "items": {"type": "string"}}}}}}},
         "PushRequest": {"type": "object", "required": ["df"],
             "properties": {"feature_view_name": {"type": "string"}, "push_source_name": {"type": "string"},
                            "df": {"$ref": "#/components/schemas/Columns"}, "to": {"enum": ["online", "offline", "online_and_offline"]}}},
         "MaterializeRequest": {"type": "object", "required": ["start_ts", "end_ts"],
             "properties": {"start_ts": {"type": "string"}, "end_ts": {"type": "string"}, "feature_views": {"type": "array", "items": {"type": "string"}}}},
         "MaterializeIncrementalRequest": {"type": "object", "required": ["end_ts"],
             "properties": {"end_ts": {"type": "string"}, "feature_views": {"type": "array", "items": {"type": "string"}}}},
         "ServedModel": {"type": "object", "required": ["name", "version", "task", "inputs"],
             "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "tag": {"type": "string"}, "task": {"enum": ["binary", "multiclass", "regression"]},
                            "feature_service": {"type": ["string", "null"]},
                            "inputs": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "type": {"type": "string"}}}}}},
         "PredictRequest": {"type": "object",
             "properties": {"entities": {"$ref": "#/components/schemas/Columns"}, "request": {"$ref": "#/components/schemas/Columns"},
                            "rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}, "return_features": {"type": "boolean"},
                            "explain": {"type": "boolean"}, "id": {"type": "string"}}},
         "PredictResponse": {"type": "object", "required": ["id", "model_name", "model_version", "predictions"],
             "properties": {"id": {"type": "string"}, "model_name": {"type": "string"}, "model_version": {"type": "string"},
                            "predictions": {"type": "array", "items": {"type": "object", "required": ["prediction"],
                                "properties": {"prediction": {"$ref": "#/components/schemas/Scalar"}, "probability": {"type": "number"},
                                               "probabilities": {"type": "object", "additionalProperties": {"type": "number"}},
                                               "features": {"type": "object"}, "explanation": {"type": "object"}}}}}},
         "InvocationsRequest": {"type": "object",
             "properties": {"dataframe_split": {"type": "object", "properties": {"columns": {"type": "array", "items": {"type": "string"}}, "data": {"type": "array", "items": {"type": "array"}}}},
                            "dataframe_records": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
                            "inputs": {}, "instances": {}}},
         "Tensor": {"type": "object", "required": ["name", "shape", "datatype"],
             "properties": {"name": {"type": "string"}, "shape": {"type": "array", "items": {"type": "integer"}},
                            "datatype": {"enum": ["BOOL", "INT8", "INT16", "INT32", "INT64", "UINT8", "UINT16", "UINT32", "UINT64", "FP32", "FP64", "BYTES"]},
                            "parameters": {"type": "object"}, "data": {"type": "array"}}},
         "InferRequest": {"type": "object", "required": ["inputs"],
             "properties": {"id": {"type": "string"}, "parameters": {"type": "object"},
                            "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/Tensor"}},
                            "outputs": {"type": "array", "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "parameters": {"type": "object"}}}}}},
         "InferResponse": {"type": "object", "required": ["model_name", "outputs"],
             "properties": {"model_name": {"type": "string"}, "model_version": {"type": "string"}, "id": {"type": ["string", "null"]},
                            "outputs": {"type": "array", "items": {"$ref": "#/components/schemas/Tensor"}}}},
         "ServerMetadata": {"type": "object", "required": ["name", "version", "extensions"],
             "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "extensions": {"type": "array", "items": {"type": "string"}}}},
         "PipelineRun": {"type": "object", "required": ["id", "pipeline", "logical_time", "trigger", "status"],
             "properties": {"id": {"type": "string"}, "pipeline": {"type": "string"}, "logical_time": {"type": "string"}, "trigger": {"enum": ["scheduled", "manual", "backfill"]},
                            "status": {"enum": ["queued", "running", "succeeded", "failed"]}, "queued_time": {"type": ["string", "null"]},
                            "start_time": {"type": ["string", "null"]}, "end_time": {"type": ["string", "null"]}, "message": {"type": ["string", "null"]},
                            "attempts": {"type": "array", "items": {"type": "object", "properties": {"step": {"type": "string"}, "task": {"type": "integer"},
                                "attempt": {"type": "integer"}, "status": {"enum": ["running", "succeeded", "failed", "interrupted"]},
                                "exit_code": {"type": ["integer", "null"]}, "log": {"type": ["string", "null"]}}}}}},
         "ModelMetadata": {"type": "object", "required": ["name", "platform", "inputs", "outputs"],
             "properties": {"name": {"type": "string"}, "versions": {"type": "array", "items": {"type": "string"}}, "platform": {"type": "string"},
                            "inputs": {"type": "array", "items": {"type": "object"}}, "outputs": {"type": "array", "items": {"type": "object"}}}}}
        """#
}
