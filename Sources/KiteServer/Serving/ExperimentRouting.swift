import ABTesting
import Features
import KiteCore
import Learning
import Registry
import Serving

extension PredictionServing {
    /// One answered row: the version that answered it, its group's inputs and predictions, its place in them, and
    /// the variant that routed it (nil outside an experiment or its coverage).
    struct RowAnswer {
        var model: ServedModel
        var inputs: ModelInputs
        var predictions: Predictions
        var index: Int
        var variant: String?
    }

    /// Scores `columns` with `model`, or — when an experiment runs on it — row by row with the variant each row's
    /// unit is assigned to (GrowthBook's bucketing; `forcedVariant` overrides it, logged as forced). Shadow
    /// versions score a copy of the rows after the answer is ready; their answers are only logged.
    func predictRows(
        _ model: ServedModel, columns: [(name: String, values: [Scalar])], requestID: String, forcedVariant: String?
    ) async throws -> (experiment: String?, rows: [RowAnswer]) {
        guard let experiment = host.experiment(for: model.name) else {
            if let forcedVariant { throw KiteError.invalidArgument("no experiment runs on model '\(model.name)' to force variant '\(forcedVariant)' in") }
            let (inputs, predictions) = try await predict(model, columns: columns, requestID: requestID)
            return (nil, (0..<predictions.count).map { RowAnswer(model: model, inputs: inputs, predictions: predictions, index: $0, variant: nil) })
        }
        let definition = experiment.definition
        let rows = columns.first?.values.count ?? 0
        let assigned: [Int?]
        if let forcedVariant {
            guard let index = definition.variants.firstIndex(where: { $0.name == forcedVariant }) else {
                throw KiteError.invalidArgument(
                    "experiment '\(definition.key)' has no variant '\(forcedVariant)'; its variants are \(definition.variants.map(\.name).joined(separator: ", "))"
                )
            }
            assigned = Array(repeating: index, count: rows)
        } else {
            guard let units = columns.first(where: { $0.name == definition.unit })?.values else {
                throw KiteError.invalidArgument(
                    "experiment '\(definition.key)' on model '\(model.name)' assigns by '\(definition.unit)': give it in entities or request")
            }
            let split = experiment.split(at: clock.now())
            assigned = units.map { $0.isNull ? nil : split.variant(of: ValueText.text($0) ?? "") }
        }
        var groups: [Int?: [Int]] = [:]
        for (row, variant) in assigned.enumerated() { groups[variant, default: []].append(row) }
        var answers = [RowAnswer?](repeating: nil, count: rows)
        var answered: [ShadowScoring.Answered] = []
        for (variant, members) in groups.sorted(by: { ($0.key ?? -1) < ($1.key ?? -1) }) {
            let served = variant.map { experiment.variants[$0] } ?? model
            // One group (every row of a one-row request) is the request's columns as they are.
            let subset = members.count == rows ? columns : columns.map { column in (name: column.name, values: members.map { column.values[$0] }) }
            let assignment = variant.map {
                PredictionLog.Assignment(
                    experiment: definition.key, variant: definition.variants[$0].name, unit: definition.unit, forced: forcedVariant != nil)
            }
            let (inputs, predictions) = try await predict(served, columns: subset, requestID: requestID, assignment: assignment)
            for (position, row) in members.enumerated() {
                answers[row] = RowAnswer(model: served, inputs: inputs, predictions: predictions, index: position, variant: assignment?.variant)
            }
            answered.append(ShadowScoring.Answered(model: served, inputs: inputs.frame, rows: members))
        }
        if !experiment.shadows.isEmpty {
            shadows?.submit(serving: self, experiment: experiment, columns: columns, answered: answered, requestID: requestID)
        }
        return (definition.key, answers.compactMap { $0 })
    }
}
