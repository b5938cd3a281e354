import Features
import Foundation
import HTTPTypes
import Hummingbird
import KiteCore
import Learning
import NIOCore
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
            let limit = routes.bodyLimit
            routes.addRaw(.post, "\(prefix)/infer") { request, context in
                let captured = { (name: String) in context.parameters.get(name).map { $0.removingPercentEncoding ?? $0 } }
                let model = try serving.model(captured("name") ?? "", version: captured("version"))
                let body = try await APIFamily.body(of: request, limit: limit)
                var header = body[...]
                var binary = body[body.count...]
                if let field = request.headers[Self.headerLength] {
                    guard let length = Int(field), length >= 0, length <= body.count else {
                        throw KiteError.invalidArgument("Inference-Header-Content-Length is \(field); the body has \(body.count) bytes")
                    }
                    (header, binary) = (body[..<length], body[length...])
                }
                return try await infer(try APIParameters(body: Array(header)), binary: binary, model: model, serving: serving)
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

    /// The header that says how much of a body (request or response) is JSON; binary tensor data follows it.
    static let headerLength = HTTPField.Name("Inference-Header-Content-Length")!

    /// Scores the input tensors and answers the outputs asked for (all by default), each as JSON `data` or as
    /// binary data after the JSON when the request asks (`binary_data_output`, or an output's `binary_data`).
    static func infer(_ p: APIParameters, binary: ArraySlice<UInt8>, model: ServedModel, serving: PredictionServing) async throws -> Response {
        guard case .array(let tensors)? = p.json("inputs"), !tensors.isEmpty else {
            throw KiteError.invalidArgument("'inputs' must be a non-empty array of tensors {name, shape, datatype, data}")
        }
        var remaining = binary
        let columns = try tensors.enumerated().map { index, tensor in try InferenceTensor.column(tensor, at: "inputs[\(index)]", binary: &remaining) }
        let id: String = if case .string(let given)? = p.json("id") { given } else { RequestID.make() }
        let (_, predictions) = try await serving.predict(model, columns: columns, requestID: id)
        let available = predictions.columns
        let binaryByDefault = p.json("parameters")?["binary_data_output"] == .bool(true)
        var outputs = available.map { (name: $0.name, column: $0.column, binary: binaryByDefault) }
        if case .array(let requested)? = p.json("outputs") {
            outputs = try requested.enumerated().map { index, output in
                guard case .string(let name)? = output["name"] else { throw KiteError.invalidArgument("outputs[\(index)] needs a 'name'") }
                guard let found = available.first(where: { $0.name == name }) else {
                    throw KiteError.invalidArgument("the model has no output '\(name)'; it has \(available.map(\.name).joined(separator: ", "))")
                }
                let asked = output["parameters"]?["binary_data"]
                return (name, found.column, asked.map { $0 == .bool(true) } ?? binaryByDefault)
            }
        }
        var data: [UInt8] = []
        let answer = JSONValue.object([
            ("model_name", .string(model.name)), ("model_version", .string(String(model.version.version))), ("id", p.json("id") ?? .null),
            (
                "outputs",
                .array(
                    outputs.map { name, column, binary in
                        var fields: [(String, JSONValue)] = [
                            ("name", .string(name)), ("datatype", .string(datatype(column.type))), ("shape", .array([.integer(Int64(column.count))])),
                        ]
                        if binary {
                            let bytes = InferenceTensor.encode(column)
                            data += bytes
                            fields.append(("parameters", .object([("binary_data_size", .integer(Int64(bytes.count)))])))
                        } else {
                            fields.append(("data", .array((0..<column.count).map { JSONValue(column.scalar(at: $0)) })))
                        }
                        return .object(fields)
                    })
            ),
        ])
        guard !data.isEmpty || outputs.contains(where: \.binary) else { return JSONResponse.make(answer) }
        let json = answer.bytes
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[headerLength] = String(json.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: json + data)))
    }
}
