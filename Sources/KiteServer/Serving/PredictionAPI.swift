import Features
import Foundation
import HTTPTypes
import KiteCore
import Learning
import Registry
import Serving

/// Kite's own prediction endpoints and MLflow's scoring protocol: `POST /v1/models/{name}/predict` (entity keys
/// and request fields, or whole rows), `GET /v1/models`, and `POST /invocations` with `GET /ping` for users of
/// `mlflow models serve`.
enum PredictionAPI {
    /// The header that forces an experiment's variant for QA (`X-Kite-Variant: treatment`); logged as forced.
    static let variantHeader = HTTPField.Name("X-Kite-Variant")!

    static func register(in routes: APIFamily, serving: PredictionServing) {
        routes.add(.get, "v1/models") { _ in
            .object([("models", .array(serving.host.models.map(modelJSON)))])
        }
        routes.add(.get, "v1/models/{name}") { call in modelJSON(try serving.model(call.capture("name"))) }
        routes.add(.post, "v1/models/{name}/predict") { call in
            let p = call.parameters
            let model = try serving.model(call.capture("name"))
            let columns: [(name: String, values: [Scalar])]
            if let rows = p.json("rows") {
                columns = try records(rows, at: "rows")
            } else if let entities = p.json("entities") {
                columns = try entities.columns(at: "entities") + (try p.json("request")?.columns(at: "request") ?? [])
            } else {
                throw KiteError.invalidArgument("give 'entities' (join keys, with 'request' fields) or 'rows' (whole rows of the model's inputs)")
            }
            let id = try p.string("id") ?? RequestID.make()
            let forced = call.headers[Self.variantHeader]
            let (experiment, rows) = try await serving.predictRows(model, columns: columns, requestID: id, forcedVariant: forced)
            let withFeatures = try p.bool("return_features") ?? false
            let explain = try p.bool("explain") ?? false
            var answer: [(String, JSONValue)] = [
                ("id", .string(id)), ("model_name", .string(model.name)), ("model_version", .string(String(model.version.version))),
            ]
            if let experiment { answer.append(("experiment", .string(experiment))) }
            // Rows answered by one variant share their inputs: each variant's rows are explained in one pass.
            var explained: [String?: Explanations] = [:]
            func explanations(of row: PredictionServing.RowAnswer) throws -> Explanations {
                if let known = explained[row.variant] { return known }
                let computed = try row.model.scorer.explanations(row.inputs.frame)
                explained[row.variant] = computed
                return computed
            }
            answer.append(
                (
                    "predictions",
                    .array(
                        try rows.map { row in
                            var json = rowJSON(row.predictions, row: row.index, features: withFeatures ? row.inputs : nil)
                            if experiment != nil || explain, case .object(var pairs) = json {
                                if experiment != nil { pairs.append(("model_version", .string(String(row.model.version.version)))) }
                                if let variant = row.variant { pairs.append(("variant", .string(variant))) }
                                if explain {
                                    let explanation = explanationJSON(try explanations(of: row), row: row.index, classes: row.model.model.signature.classes)
                                    pairs.append(("explanation", explanation))
                                }
                                json = .object(pairs)
                            }
                            return json
                        })
                ))
            return .object(answer)
        }
        routes.add(.post, "invocations") { call in
            let model = try invocationModel(serving, query: try call.parameters.string("model"))
            let (_, predictions) = try await serving.predict(
                model, columns: try invocationColumns(call.parameters), requestID: RequestID.make())
            if case .regression(let values) = predictions { return .object([("predictions", .array(values.map(JSONValue.number)))]) }
            return .object([("predictions", .array((0..<predictions.count).map { rowJSON(predictions, row: $0, features: nil) }))])
        }
        routes.addRaw(.get, "ping") { _, _ in JSONResponse.text("\n") }
    }

    /// A served model's description: name, version, what it serves, its task and inputs.
    static func modelJSON(_ model: ServedModel) -> JSONValue {
        let signature = model.model.signature
        return .object([
            ("name", .string(model.name)), ("version", .string(String(model.version.version))), ("tag", .string(model.tag)),
            ("task", .string(signature.task.rawValue)), ("feature_service", signature.featureService.map(JSONValue.string) ?? .null),
            ("inputs", .array(signature.inputs.map { .object([("name", .string($0.name)), ("type", .string($0.type.description))]) })),
        ])
    }

    /// One row's answer: `prediction`, with `probability` (binary) or `probabilities` by class (multiclass), and
    /// with `features` (value and status of each model input) when `features` is given.
    static func rowJSON(_ predictions: Predictions, row: Int, features: ModelInputs?) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("prediction", JSONValue(predictions.predicted.scalar(at: row)))]
        switch predictions {
        case .binary(let probabilities, _): pairs.append(("probability", .number(probabilities[row])))
        case .multiclass(let classes, let probabilities, _):
            pairs.append(("probabilities", .object(zip(classes, probabilities[row]).map { ($0, JSONValue.number($1)) })))
        case .regression: break
        }
        if let features {
            let read = Dictionary(features.features.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            pairs.append(
                (
                    "features",
                    .object(
                        features.frame.schema.fields.enumerated().map { index, field in
                            let status = read[field.name]?.statuses[row].rawValue ?? "REQUEST"
                            return (field.name, .object([("value", JSONValue(features.frame.columns[index].scalar(at: row))), ("status", .string(status))]))
                        })
                ))
        }
        return .object(pairs)
    }

    /// One row's explanation: `units` (what the raw score is), and `expected_value` with `contributions` by input
    /// — per class, under the class's name, for multiclass models.
    static func explanationJSON(_ explanations: Explanations, row: Int, classes: [String]?) -> JSONValue {
        func output(_ index: Int) -> JSONValue {
            .object([
                ("expected_value", .number(explanations.expectedValues[index])),
                ("contributions", .object(zip(explanations.inputs, explanations.contributions(row: row, output: index)).map { ($0, JSONValue.number($1)) })),
            ])
        }
        guard explanations.outputCount > 1 else {
            guard case .object(let pairs) = output(0) else { return output(0) }
            return .object([("units", .string(explanations.units))] + pairs)
        }
        let names = classes ?? (0..<explanations.outputCount).map(String.init)
        return .object([("units", .string(explanations.units))] + (0..<explanations.outputCount).map { (names[$0], output($0)) })
    }

    /// An array of row objects (`[{"amount": 12.5, …}, …]`) as columns, in the order names first appear; a name a
    /// row leaves out is null there.
    static func records(_ value: JSONValue, at path: String) throws -> [(name: String, values: [Scalar])] {
        guard case .array(let rows) = value else { throw KiteError.invalidArgument("'\(path)' must be an array of row objects") }
        var names: [String] = []
        var columns: [String: [Scalar]] = [:]
        for (index, row) in rows.enumerated() {
            guard case .object(let pairs) = row else { throw KiteError.invalidArgument("'\(path)[\(index)]' must be an object") }
            for (name, value) in pairs {
                if columns[name] == nil {
                    names.append(name)
                    columns[name] = Array(repeating: .null, count: index)
                }
                columns[name]?.append(try value.scalar(at: "\(path)[\(index)].\(name)"))
            }
            for name in names where (columns[name]?.count ?? 0) < index + 1 { columns[name]?.append(.null) }
        }
        return names.map { ($0, columns[$0] ?? []) }
    }

    /// The model `/invocations` scores: the only one served, or the one `?model=` names.
    static func invocationModel(_ serving: PredictionServing, query: String?) throws -> ServedModel {
        if let query { return try serving.model(query) }
        let models = serving.host.models
        guard models.count == 1, let only = models.first else {
            throw KiteError.invalidArgument(
                models.isEmpty
                    ? "no model is served: start kite serve with --model NAME@ALIAS"
                    : "several models are served (\(models.map(\.name).joined(separator: ", "))): name one with /invocations?model=NAME")
        }
        return only
    }

    /// MLflow's scoring shapes as columns: `dataframe_split` ({columns, data}), `dataframe_records`, `inputs` and
    /// `instances` (an object of columns, or row objects).
    static func invocationColumns(_ p: APIParameters) throws -> [(name: String, values: [Scalar])] {
        if let split = p.json("dataframe_split") {
            guard case .array(let names)? = split["columns"], case .array(let data)? = split["data"] else {
                throw KiteError.invalidArgument("dataframe_split needs 'columns' (names) and 'data' (rows of values)")
            }
            let columns = try names.enumerated().map { index, name -> String in
                guard case .string(let text) = name else { throw KiteError.invalidArgument("dataframe_split.columns[\(index)] must be a string") }
                return text
            }
            var values = Array(repeating: [Scalar](), count: columns.count)
            for (index, row) in data.enumerated() {
                guard case .array(let items) = row, items.count == columns.count else {
                    throw KiteError.invalidArgument("dataframe_split.data[\(index)] must be an array of \(columns.count) values, one per column")
                }
                for (column, item) in items.enumerated() { values[column].append(try item.scalar(at: "dataframe_split.data[\(index)]")) }
            }
            return Array(zip(columns, values)).map { (name: $0.0, values: $0.1) }
        }
        if let records = p.json("dataframe_records") { return try self.records(records, at: "dataframe_records") }
        for key in ["inputs", "instances"] {
            guard let value = p.json(key) else { continue }
            if case .array = value { return try self.records(value, at: key) }
            return try value.columns(at: key)
        }
        throw KiteError.invalidArgument("give one of dataframe_split, dataframe_records, inputs or instances (MLflow's scoring formats)")
    }
}
