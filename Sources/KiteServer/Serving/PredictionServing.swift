import Features
import KiteCore
import Learning
import Registry
import Serving

/// What the prediction endpoints answer with: the served models, and — for models trained on a feature service —
/// the online store's features under the applied definitions.
struct PredictionServing: Sendable {
    var host: ModelHost
    /// The applied definitions and the online store, when the server has an online store.
    var features: (definitions: AppliedDefinitions, online: any OnlineStore, clock: WallClock)?

    /// The model served as `name`, or `not_found` naming what is served.
    func model(_ name: String) throws -> ServedModel {
        guard let model = host.model(named: name) else {
            let served = host.models.map(\.name)
            throw KiteError(.notFound, "no model '\(name)' is served here\(served.isEmpty ? "" : "; served: \(served.joined(separator: ", "))")")
        }
        return model
    }

    /// The model served as `name` when it is at `version`; another version is `not_found`.
    func model(_ name: String, version: String?) throws -> ServedModel {
        let model = try model(name)
        if let version, version != String(model.version.version) {
            throw KiteError(.notFound, "model '\(name)' is served at version \(model.version.version), not '\(version)'")
        }
        return model
    }

    /// Scores `columns` (one value per row each) with `model`, reading its features when it has a feature service.
    func predict(_ model: ServedModel, columns: [(name: String, values: [Scalar])]) async throws -> (ModelInputs, Predictions) {
        var retrieval: OnlineRetrieval?
        if model.model.signature.featureService != nil, let features {
            retrieval = OnlineRetrieval(definitions: try await features.definitions.current(), store: features.online, clock: features.clock)
        }
        let inputs = try await ModelInputs.assemble(columns: columns, for: model.model, retrieval: retrieval)
        return (inputs, try model.scorer.predictions(inputs.frame))
    }
}
