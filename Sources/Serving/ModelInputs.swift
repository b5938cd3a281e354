import Features
import KiteCore
import Learning

/// The rows a served model scores, built from what a request gives: whole rows, or entity keys (and request
/// fields) whose features are read from the online store and computed on demand, as at training time.
public struct ModelInputs: Sendable {
    /// One row per request row, one column per model input, typed as the model's signature says.
    public var frame: DataFrame
    /// The features read or computed for the rows, with their statuses; empty when the request gave whole rows.
    public var features: [OnlineRetrieval.Column]

    /// The model's inputs from request `columns` (a name and one value per row each). Columns holding every input
    /// are scored as they are; otherwise, when the model was trained on a feature service and `retrieval` is given,
    /// the service's features are read for the columns' join keys (the other columns are request data: on-demand
    /// features' inputs, and model inputs in their own right). A
    /// missing value is refused (`unprocessable`) unless the model accepts one there (`ModelFile.acceptsMissing`).
    public static func assemble(columns: [(name: String, values: [Scalar])], for model: ModelFile, retrieval: OnlineRetrieval?) async throws -> ModelInputs {
        guard let rows = columns.first?.values.count, rows > 0 else {
            throw KiteError.invalidArgument("the request has no rows: give at least one value per column")
        }
        var given: [String: [Scalar]] = [:]
        for (name, values) in columns {
            guard values.count == rows else {
                throw KiteError.invalidArgument("column '\(name)' has \(values.count) values and '\(columns[0].name)' has \(rows)")
            }
            guard given.updateValue(values, forKey: name) == nil else { throw KiteError.invalidArgument("column '\(name)' is given twice") }
        }
        var features: [OnlineRetrieval.Column] = []
        let complete = model.signature.inputs.allSatisfy { given[$0.name] != nil }
        if !complete, let service = model.signature.featureService, let retrieval {
            let references = try retrieval.definitions.references(service: service)
            let answer = try await retrieval.get(
                features: references, entities: columns, fullFeatureNames: usesFullFeatureNames(model.signature.inputs, references))
            features = Array(answer.dropFirst(columns.count))
        }
        let read = Dictionary(features.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var frameColumns: [(String, DataColumn)] = []
        for input in model.signature.inputs {
            let values: [Scalar]
            var statuses: [OnlineRetrieval.Status]? = nil
            if let feature = read[input.name] {
                (values, statuses) = (feature.values, feature.statuses)
            } else if let value = given[input.name] {
                values = value
            } else if let service = model.signature.featureService {
                throw KiteError.invalidArgument(
                    "the model needs '\(input.name)', which is neither a feature of service '\(service)'\(retrieval == nil ? " (no online store is configured)" : "") nor given in the request"
                )
            } else {
                throw KiteError.invalidArgument("the request has no column '\(input.name)', which the model needs")
            }
            if !model.acceptsMissing(input.name), let row = values.firstIndex(where: \.isNull) {
                let why = statuses.map { " (\($0[row].rawValue))" } ?? ""
                let keys = columns.filter { read[$0.name] == nil }.prefix(3).map { "\($0.name)=\(ValueText.text($0.values[row]) ?? "null")" }
                throw KiteError(
                    .unprocessable,
                    "row \(row + 1)\(keys.isEmpty ? "" : " (\(keys.joined(separator: ", ")))") has no value for '\(input.name)'\(why), and the model has no default for it (it saw none in training; an impute step in the training config gives one)"
                )
            }
            do {
                frameColumns.append((input.name, try DataColumn(scalars: values, type: input.type)))
            } catch let error as KiteError {
                throw KiteError.invalidArgument("input '\(input.name)': \(error.message)")
            }
        }
        return ModelInputs(frame: try DataFrame(frameColumns), features: features)
    }

    /// Whether `inputs` (a model's) name `references`' features `view__feature` (trained with full feature
    /// names) — checked without building the names, as it is per request.
    static func usesFullFeatureNames(_ inputs: [ModelFile.Signature.Input], _ references: [FeatureReference]) -> Bool {
        references.contains { reference in
            guard let feature = reference.feature?.utf8 else { return false }
            let view = reference.view.utf8
            return inputs.contains { input in
                let name = input.name.utf8
                return name.count == view.count + 2 + feature.count && name.starts(with: view) && name.dropFirst(view.count).starts(with: "__".utf8)
                    && name.suffix(feature.count).elementsEqual(feature)
            }
        }
    }
}
