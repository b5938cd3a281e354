import Features
import HTTPTypes
import KiteCore
import Learning
import Registry
import Serving

/// The Open Inference Protocol's REST API (KServe V2, Triton's HTTP API) under `/v2`: server and model health and
/// metadata, and `infer` with tensors in JSON. Each input tensor is a column (shape `[N]` or `[N, 1]`); a model
/// trained on a feature service also takes its join keys and reads the rest from the online store. Errors are
/// `{"error": "…"}`, as the protocol has them.
enum InferenceProtocolAPI {
    static func register(in routes: APIFamily, serving: PredictionServing) {
        routes.add(.get, "") { _ in
            .object([("name", .string("kite")), ("version", .string(KiteVersion.current)), ("extensions", .array([]))])
        }
        routes.add(.get, "health/live") { _ in .object([("live", .bool(true))]) }
        routes.add(.get, "health/ready") { _ in .object([("ready", .bool(true))]) }
        for prefix in ["models/{name}", "models/{name}/versions/{version}"] {
            routes.add(.get, prefix) { call in metadata(try serving.model(call.capture("name"), version: call.captures["version"])) }
            routes.add(.get, "\(prefix)/ready") { call in
                let model = try serving.model(call.capture("name"), version: call.captures["version"])
                return .object([("name", .string(model.name)), ("ready", .bool(true))])
            }
            routes.add(.post, "\(prefix)/infer") { call in
                let model = try serving.model(call.capture("name"), version: call.captures["version"])
                return try await infer(call.parameters, model: model, serving: serving)
            }
        }
    }

    /// The protocol's name for a column type.
    static func datatype(_ type: DataType) -> String {
        switch type {
        case .bool: "BOOL"
        case .int32: "INT32"
        case .int64: "INT64"
        case .float32: "FP32"
        case .float64: "FP64"
        default: "BYTES"
        }
    }

    static func metadata(_ model: ServedModel) -> JSONValue {
        let signature = model.model.signature
        func tensor(_ name: String, _ type: String) -> JSONValue {
            .object([("name", .string(name)), ("datatype", .string(type)), ("shape", .array([.integer(-1)]))])
        }
        let outputs: [JSONValue]
        switch signature.task {
        case .binary: outputs = [tensor("probability", "FP64"), tensor("prediction", "INT64")]
        case .multiclass:
            let classes = signature.classes ?? []
            let numeric = classes.allSatisfy { Int64($0) != nil }
            outputs = classes.map { tensor("probability_\($0)", "FP64") } + [tensor("prediction", numeric ? "INT64" : "BYTES")]
        case .regression: outputs = [tensor("prediction", "FP64")]
        }
        return .object([
            ("name", .string(model.name)), ("versions", .array([.string(String(model.version.version))])), ("platform", .string("kite")),
            ("inputs", .array(signature.inputs.map { tensor($0.name, datatype($0.type)) })), ("outputs", .array(outputs)),
        ])
    }

    static func infer(_ p: APIParameters, model: ServedModel, serving: PredictionServing) async throws -> JSONValue {
        guard case .array(let tensors)? = p.json("inputs"), !tensors.isEmpty else {
            throw KiteError.invalidArgument("'inputs' must be a non-empty array of tensors {name, shape, datatype, data}")
        }
        let columns = try tensors.enumerated().map { index, tensor in try column(tensor, at: "inputs[\(index)]") }
        let (_, predictions) = try await serving.predict(model, columns: columns)
        var outputs = predictions.columns
        if case .array(let requested)? = p.json("outputs") {
            let names = try requested.enumerated().map { index, output -> String in
                guard case .string(let name)? = output["name"] else { throw KiteError.invalidArgument("outputs[\(index)] needs a 'name'") }
                return name
            }
            for name in names where !outputs.contains(where: { $0.name == name }) {
                throw KiteError.invalidArgument("the model has no output '\(name)'; it has \(outputs.map(\.name).joined(separator: ", "))")
            }
            outputs = names.compactMap { name in outputs.first { $0.name == name } }
        }
        return .object([
            ("model_name", .string(model.name)), ("model_version", .string(String(model.version.version))),
            ("id", p.json("id") ?? .null),
            (
                "outputs",
                .array(
                    outputs.map { name, column in
                        .object([
                            ("name", .string(name)), ("datatype", .string(datatype(column.type))), ("shape", .array([.integer(Int64(column.count))])),
                            ("data", .array((0..<column.count).map { JSONValue(column.scalar(at: $0)) })),
                        ])
                    })
            ),
        ])
    }

    /// One input tensor as a named column: its data (flat or nested row-major) must hold as many values as its
    /// shape says, and the shape must be `[N]` or `[N, 1]`.
    static func column(_ tensor: JSONValue, at path: String) throws -> (name: String, values: [Scalar]) {
        guard case .string(let name)? = tensor["name"] else { throw KiteError.invalidArgument("\(path) needs a 'name'") }
        guard case .array(let shapeItems)? = tensor["shape"] else { throw KiteError.invalidArgument("\(path) ('\(name)') needs a 'shape'") }
        let shape = try shapeItems.map { item -> Int64 in
            guard case .integer(let size) = item, size >= 0 else { throw KiteError.invalidArgument("\(path).shape must hold non-negative integers") }
            return size
        }
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            throw KiteError.invalidArgument("\(path) ('\(name)') has shape \(shape); Kite's models take one column per input: use [N] or [N, 1]")
        }
        guard case .string? = tensor["datatype"] else { throw KiteError.invalidArgument("\(path) ('\(name)') needs a 'datatype'") }
        guard let data = tensor["data"] else { throw KiteError.invalidArgument("\(path) ('\(name)') needs 'data'") }
        var values: [Scalar] = []
        func flatten(_ value: JSONValue, depth: Int) throws {
            if case .array(let items) = value {
                guard depth < 2 else { throw KiteError.invalidArgument("\(path).data nests deeper than its shape") }
                for item in items { try flatten(item, depth: depth + 1) }
            } else {
                values.append(try value.scalar(at: "\(path).data"))
            }
        }
        try flatten(data, depth: 0)
        guard Int64(values.count) == shape[0] else {
            throw KiteError.invalidArgument("\(path) ('\(name)') has shape \(shape) but \(values.count) values")
        }
        return (name, values)
    }
}
