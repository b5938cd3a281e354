import Foundation
import KiteCore
import Learning
import ObjectStorage
import Parquet

/// An experiment's data in the offline store: exposures from the prediction log (`predictions/model=NAME/…`,
/// rows the experiment assigned, neither forced nor shadow) and outcomes (`outcomes/experiment=KEY/…`, one row
/// per unit, metric and value), reduced to each variant's statistics per metric.
public enum ExperimentData {
    /// Appends outcomes — a frame with the experiment's unit column, `metric` (text), `value` (a number) and,
    /// for a label of one prediction, its `request_id` — as one Parquet file; returns its key. Rows with a null
    /// unit, metric or value are refused.
    public static func appendOutcomes(_ frame: DataFrame, experiment: ExperimentDefinition, store: any ObjectStore, now: Int64) async throws -> String {
        guard let unit = frame[experiment.unit] else {
            throw KiteError.invalidArgument("the outcomes have no '\(experiment.unit)' column (experiment \(experiment.key) assigns by it)")
        }
        guard let metric = frame["metric"], metric.type == .string else { throw KiteError.invalidArgument("the outcomes need a text column 'metric'") }
        guard let value = frame["value"], value.type.isNumeric || value.type == .bool else {
            throw KiteError.invalidArgument("the outcomes need a numeric column 'value'")
        }
        let values = value.doubles()
        for row in 0..<frame.rowCount where unit.isNull(row) || metric.isNull(row) || values[row].isNaN {
            throw KiteError.invalidArgument("outcome row \(row + 1) has no \(unit.isNull(row) ? experiment.unit : metric.isNull(row) ? "metric" : "value")")
        }
        let requests = frame["request_id"]
        let outcomes = try DataFrame([
            ("unit", DataColumn.strings((0..<frame.rowCount).map { ValueText.text(unit.scalar(at: $0)) })),
            ("metric", metric), ("value", .float64s(values)), ("received", .timestamps(Array(repeating: now, count: frame.rowCount))),
            ("request_id", .strings((0..<frame.rowCount).map { row in requests.flatMap { $0.isNull(row) ? nil : ValueText.text($0.scalar(at: row)) } })),
        ])
        let key = "outcomes/experiment=\(experiment.key)/part-\(now)-\(UUID().uuidString.prefix(8).lowercased()).parquet"
        let writer = try await ParquetWriter(sink: try await store.makeSink(for: key), schema: outcomes.schema)
        try await writer.write(outcomes)
        try await writer.close()
        return key
    }

    /// One analysed row of the prediction log: assigned by the experiment, neither forced nor a shadow.
    private struct LoggedRow {
        var unit: String
        var request: String
        var variant: Int
        var time: Int64
        var probability: Double?
    }

    /// The experiment's analysed rows of the prediction log, in one pass over the model's log files.
    private static func loggedRows(of experiment: ExperimentDefinition, store: any ObjectStore) async throws -> [LoggedRow] {
        let names = Dictionary(experiment.variants.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var rows: [LoggedRow] = []
        for frame in try await frames(under: "predictions/model=\(experiment.model)/", store: store) {
            guard let keys = frame["experiment"], let variants = frame["variant"], let forced = frame["forced"], let shadow = frame["shadow"],
                let times = frame["timestamp"], let requests = frame["request_id"]
            else { continue }
            let unitColumn = frame[experiment.unit]
            let entities = frame["entities"]
            let probabilities = frame["probability"]
            for row in 0..<frame.rowCount {
                guard !keys.isNull(row), keys.string(at: row) == experiment.key, forced.scalar(at: row) != .bool(true),
                    shadow.scalar(at: row) != .bool(true), let variant = names[variants.string(at: row)]
                else { continue }
                let unit = unitColumn.map { ValueText.text($0.scalar(at: row)) ?? "" } ?? Self.unit(experiment.unit, in: entities?.string(at: row) ?? "")
                guard let unit, case .timestamp(let time) = times.scalar(at: row) else { continue }
                let probability: Double? = if case .double(let p)? = probabilities?.scalar(at: row) { p } else { nil }
                rows.append(LoggedRow(unit: unit, request: requests.string(at: row), variant: variant, time: time, probability: probability))
            }
        }
        return rows
    }

    /// Each exposed unit's variant (its first assignment in the log).
    public static func exposures(of experiment: ExperimentDefinition, store: any ObjectStore) async throws -> [String: Int] {
        exposures(try await loggedRows(of: experiment, store: store))
    }

    private static func exposures(_ rows: [LoggedRow]) -> [String: Int] {
        var first: [String: (time: Int64, variant: Int)] = [:]
        for row in rows where first[row.unit].map({ $0.time > row.time }) ?? true { first[row.unit] = (row.time, row.variant) }
        return first.mapValues(\.variant)
    }

    /// Each metric's total per unit.
    public static func outcomes(of experiment: ExperimentDefinition, store: any ObjectStore) async throws -> [String: [String: Double]] {
        var totals: [String: [String: Double]] = [:]
        for frame in try await frames(under: "outcomes/experiment=\(experiment.key)/", store: store) {
            guard let units = frame["unit"], let metrics = frame["metric"], let values = frame["value"] else { continue }
            let numbers = values.doubles()
            for row in 0..<frame.rowCount { totals[metrics.string(at: row), default: [:]][units.string(at: row), default: 0] += numbers[row] }
        }
        return totals
    }

    /// The results of each metric (the definition's, else every metric with outcomes): exposed units without an
    /// outcome count as 0; a metric whose totals are all 0 or 1 is a proportion.
    public static func results(
        of experiment: ExperimentDefinition, store: any ObjectStore, frequentist: FrequentistTest = FrequentistTest(),
        bayesian: BayesianTest = BayesianTest()
    ) async throws -> (units: [Int], metrics: [(name: String, results: ExperimentResults)]) {
        let exposures = try await self.exposures(of: experiment, store: store)
        let outcomes = try await self.outcomes(of: experiment, store: store)
        var units = Array(repeating: 0, count: experiment.variants.count)
        for variant in exposures.values { units[variant] += 1 }
        let names = experiment.metrics.isEmpty ? outcomes.keys.sorted() : experiment.metrics
        var results: [(String, ExperimentResults)] = []
        for name in names {
            let totals = outcomes[name] ?? [:]
            var sums = Array(repeating: 0.0, count: units.count)
            var squares = Array(repeating: 0.0, count: units.count)
            for (unit, variant) in exposures {
                let value = totals[unit] ?? 0
                sums[variant] += value
                squares[variant] += value * value
            }
            let binary = totals.values.allSatisfy { $0 == 0 || $0 == 1 }
            let statistics = units.indices.map { index -> MetricStatistic in
                binary ? .proportion(n: units[index], sum: sums[index]) : .mean(n: units[index], sum: sums[index], sumSquares: squares[index])
            }
            results.append(
                (
                    name,
                    try ExperimentResults.analyze(
                        variants: experiment.variants.map(\.name), weights: experiment.variants.map(\.weight), metrics: statistics,
                        frequentist: frequentist, bayesian: bayesian)
                ))
        }
        return (units, results)
    }

    /// The model's quality per variant, per metric, on the outcomes that name their prediction (request id and
    /// unit) — labels: ROC AUC and log loss of the logged probabilities, with how many were labelled. A variant
    /// without both classes among its labels has no AUC. Metrics without such outcomes are left out.
    public static func modelMetrics(
        of experiment: ExperimentDefinition, store: any ObjectStore
    ) async throws -> [String: [(variant: String, labelled: Int, auc: Double?, logLoss: Double?)]] {
        var logged: [String: LoggedRow] = [:]  // by "request\u{0}unit"
        for row in try await loggedRows(of: experiment, store: store) where row.probability != nil { logged[row.request + "\u{0}" + row.unit] = row }
        var pairs: [String: [Int: (labels: [Double], scores: [Double])]] = [:]
        for frame in try await frames(under: "outcomes/experiment=\(experiment.key)/", store: store) {
            guard let units = frame["unit"], let metrics = frame["metric"], let values = frame["value"], let requests = frame["request_id"] else { continue }
            let labels = values.doubles()
            for row in 0..<frame.rowCount where !requests.isNull(row) {
                guard let prediction = logged[requests.string(at: row) + "\u{0}" + units.string(at: row)], let probability = prediction.probability
                else { continue }
                pairs[metrics.string(at: row), default: [:]][prediction.variant, default: ([], [])].labels.append(labels[row])
                pairs[metrics.string(at: row), default: [:]][prediction.variant, default: ([], [])].scores.append(probability)
            }
        }
        return pairs.mapValues { byVariant in
            experiment.variants.enumerated().map { index, variant in
                let (labels, scores) = byVariant[index] ?? ([], [])
                return (
                    variant.name, labels.count, try? BinaryMetrics.rocAUC(labels: labels, scores: scores),
                    labels.isEmpty ? nil : try? BinaryMetrics.logLoss(labels: labels, probabilities: scores)
                )
            }
        }
    }

    /// Every Parquet file under `prefix`, read whole.
    private static func frames(under prefix: String, store: any ObjectStore) async throws -> [DataFrame] {
        var frames: [DataFrame] = []
        for entry in try await store.list(prefix: prefix).collect() {
            guard case .object(let object) = entry, object.key.hasSuffix(".parquet") else { continue }
            frames.append(try await ParquetReader(source: try await ObjectStoreSource(store: store, key: object.key)).read())
        }
        return frames
    }

    /// The unit's value in a row's entity keys (`{"customer_id":7,…}`) as text.
    private static func unit(_ name: String, in entities: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(entities.utf8)) as? [String: Any], let value = object[name] else { return nil }
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}
