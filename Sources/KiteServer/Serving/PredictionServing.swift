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
    var features: (definitions: AppliedDefinitions, online: any OnlineStore)?
    /// Where answered predictions are appended, if anywhere.
    var log: PredictionLog?
    var metrics: ServerMetrics
    var clock: WallClock
    /// How long a prediction may take before it is answered 503.
    var timeout: Duration
    /// Where answered requests queue for their experiment's shadow versions.
    var shadows: ShadowScoring?

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

    /// Scores `columns` (one value per row each) with `model`, reading its features when it has a feature service;
    /// records the request's metrics and appends it to the prediction log (when sampled). A request whose features
    /// took longer than `timeout` to read is answered 503 instead of scored.
    func predict(
        _ model: ServedModel, columns: [(name: String, values: [Scalar])], requestID: String, assignment: PredictionLog.Assignment? = nil
    ) async throws -> (ModelInputs, Predictions) {
        let rows = columns.first?.values.count ?? 0
        return try await predict(model, columns: columns, requestIDs: Array(repeating: requestID, count: rows), requests: 1, assignment: assignment)
    }

    /// `predict` for the rows of `requests` requests together (shadow batches): row `i` is logged under
    /// `requestIDs[i]`.
    func predict(
        _ model: ServedModel, columns: [(name: String, values: [Scalar])], requestIDs: [String], requests: Int, assignment: PredictionLog.Assignment?
    ) async throws -> (ModelInputs, Predictions) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            var retrieval: OnlineRetrieval?
            if model.model.signature.featureService != nil, let features {
                retrieval = try await features.definitions.retrieval(store: features.online, clock: self.clock)
            }
            let inputs = try await ModelInputs.assemble(columns: columns, for: model.model, retrieval: retrieval)
            let assembled = clock.now
            // Past the deadline (a slow store, a queue), the caller has likely given up: spend no more on it.
            guard assembled - start < timeout else {
                throw KiteError(.unavailable, "the prediction took longer than \(timeout) to read its features; retry, or send fewer rows")
            }
            let matrix = try model.model.preprocessor.transform(inputs.frame)
            let preprocessed = clock.now
            let predictions = try model.scorer.predictions(features: matrix)
            let end = clock.now
            let values: [Double] =
                switch predictions {
                case .binary(let probabilities, _): probabilities
                case .multiclass(_, let probabilities, let best): zip(probabilities, best).map { $0[$1] }
                case .regression(let values): values
                }
            metrics.prediction(
                model: model.name, version: model.version.version, requests: requests, rows: predictions.count,
                parts: [("total", end - start), ("features", assembled - start), ("preprocessing", preprocessed - assembled), ("model", end - preprocessed)],
                values: values, probabilities: model.model.signature.task != .regression)
            if let log, log.samples() {
                let micros = { (duration: Duration) in duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000 }
                let latency = PredictionLog.Latency(total: micros(end - start), features: micros(assembled - start), scoring: micros(end - assembled))
                log.append(
                    requestIDs: requestIDs, time: self.clock.now(), model: model, columns: columns, inputs: inputs, predictions: predictions,
                    latency: latency, assignment: assignment)
            }
            return (inputs, predictions)
        } catch {
            metrics.predictionError(model: model.name, status: APIError(error).status)
            throw error
        }
    }
}
