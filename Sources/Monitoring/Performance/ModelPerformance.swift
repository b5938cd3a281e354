import KiteCore
import Learning
import ObjectStorage
import Registry

/// A model version's health over a window of its prediction log, day by day: predictions and labelled ones,
/// realized metrics on the labelled rows (by `Learning`'s names: `auc`, `log_loss`, `accuracy`, … or `rmse`, …),
/// for binary classifiers the metrics NannyML's CBPE estimates before labels arrive, and request latency
/// percentiles — next to the version's holdout metrics.
public struct ModelPerformance: Sendable, Codable, Equatable {
    public let model: String
    public let version: Int64
    public let task: String
    public let windowStart: Int64
    public let windowEnd: Int64
    /// The metrics the version's run measured on its holdout.
    public let holdout: [String: Double]
    /// Whether CBPE calibrates the scores (binary classifiers with a labelled reference), else nil.
    public let calibrated: Bool?
    /// One entry per day with predictions, oldest first, then the whole window as `total`.
    public let days: [Period]
    public let total: Period

    /// The metric reports lead with: `auc` (binary), `accuracy` (multiclass), `rmse` (regression).
    public var primaryMetric: String {
        switch task {
        case "regression": "rmse"
        case "multiclass": "accuracy"
        default: "auc"
        }
    }

    /// One period's figures.
    public struct Period: Sendable, Codable, Equatable {
        /// The period's first instant (µs since the epoch).
        public let start: Int64
        public let predictions: Int
        public let labelled: Int
        public let realized: [String: Double]
        public let estimated: ConfidenceBasedEstimation.Estimate?
        /// Request latency percentiles in milliseconds (each request once).
        public let latencyP50: Double?
        public let latencyP95: Double?
        public let latencyP99: Double?
        /// The same for each stage of a request — `features` (reading them) and `scoring` (preprocessing and the
        /// model) — where the log recorded them.
        public let stages: [String: StageLatency]

        /// A stage's latency percentiles in milliseconds.
        public struct StageLatency: Sendable, Codable, Equatable {
            public let p50: Double
            public let p95: Double
            public let p99: Double
        }

        /// The estimate of a realized metric's name (`auc`, `accuracy`, `precision`, `recall`, `f1`), if any.
        public func estimated(_ metric: String) -> Double? {
            guard let estimated else { return nil }
            switch metric {
            case "auc": return estimated.rocAUC
            case "accuracy": return estimated.accuracy
            case "precision": return estimated.precision
            case "recall": return estimated.recall
            case "f1": return estimated.f1
            default: return nil
            }
        }
    }

    /// The performance of `version` over `window`, from the prediction log and labels in `store`; `reference` is the
    /// run's reference when the caller has read it already (else it is read here; without one there is no estimate).
    public static func run(
        version: ModelVersion, window: ClosedRange<Int64>, reference known: DataFrame? = nil, registry: RegistryStore, artifacts: ArtifactStore,
        store: any ObjectStore
    ) async throws -> ModelPerformance {
        let lineage = VersionLineage(of: version)
        let task = lineage.task ?? "binary"
        let log = try await MonitoringData.predictions(
            model: version.name, version: version.version, window: window,
            columns: ["request_id", "entities", "prediction", "probability", "latency_us"],
            optional: [("features_us", .int64), ("scoring_us", .int64)], store: store)
        let labels = try await LabelStore.labels(model: version.name, store: store)
        var holdout: [String: Double] = [:]
        if let runID = version.runID { holdout = try await registry.run(id: runID).metrics.mapValues(\.value) }
        var estimation: ConfidenceBasedEstimation?
        if task == "binary" {
            let reference: DataFrame?
            if let known { reference = known } else { reference = try? await MonitoringData.reference(of: version, registry: registry, artifacts: artifacts) }
            estimation = reference.flatMap { estimator($0, lineage: lineage) }
        }
        let rows = try LoggedRows(log, labels: labels, lineage: lineage)
        let byDay = Dictionary(grouping: rows.indices) { Timestamp.floorDivide(rows.times[$0], Timestamp.microsPerDay).quotient }
        let days = byDay.keys.sorted().map { day in
            period(start: day * Timestamp.microsPerDay, rows: byDay[day] ?? [], of: rows, task: task, estimation: estimation)
        }
        return ModelPerformance(
            model: version.name, version: version.version, task: task, windowStart: window.lowerBound, windowEnd: window.upperBound,
            holdout: holdout, calibrated: estimation?.calibrated, days: days,
            total: period(start: window.lowerBound, rows: Array(rows.indices), of: rows, task: task, estimation: estimation))
    }

    /// CBPE fitted on the version's reference, when it has labels and scores.
    private static func estimator(_ reference: DataFrame, lineage: VersionLineage) -> ConfidenceBasedEstimation? {
        guard let labelName = lineage.label, let labelColumn = reference[labelName], let scores = reference["probability"]?.doubles() else { return nil }
        let labels = (0..<labelColumn.count).map { row in ValueText.text(labelColumn.scalar(at: row)).flatMap(lineage.numericLabel) ?? .nan }
        let usable = labels.indices.filter { !labels[$0].isNaN && scores[$0].isFinite }
        return try? ConfidenceBasedEstimation(referenceScores: usable.map { scores[$0] }, labels: usable.map { labels[$0] })
    }

    private static func period(start: Int64, rows: [Int], of log: LoggedRows, task: String, estimation: ConfidenceBasedEstimation?) -> Period {
        let labelled = rows.filter { log.labels[$0] != nil }
        var realized: [String: Double] = [:]
        if !labelled.isEmpty {
            let truth = labelled.compactMap { log.labels[$0] }
            switch task {
            case "binary":
                let probabilities = labelled.map { [1 - log.probabilities[$0], log.probabilities[$0]] }
                if probabilities.allSatisfy({ $0[1].isFinite }) {
                    realized = (try? ModelEvaluation.metrics(task: .binary, labels: truth, probabilities: probabilities)) ?? [:]
                }
            case "regression":
                realized = (try? ModelEvaluation.metrics(task: .regression, labels: truth, predictions: labelled.map { log.predictions[$0] })) ?? [:]
            default:
                let right = zip(labelled, truth).filter { log.predictions[$0.0] == $0.1 }.count
                realized = ["accuracy": Double(right) / Double(labelled.count)]
            }
        }
        let estimated = estimation.map { estimation in
            estimation.estimate(scores: rows.map { log.probabilities[$0] }, predictions: rows.map { Int(log.predictions[$0]) })
        }
        var seen = Set<String>()
        let requests = rows.filter { seen.insert(log.requests[$0]).inserted }
        let latencies = requests.map { Double(log.latencies[$0]) / 1000 }.sorted()
        var stages: [String: Period.StageLatency] = [:]
        for (name, values) in [("features", log.featureLatencies), ("scoring", log.scoringLatencies)] {
            let sorted = requests.compactMap { values[$0] }.map { Double($0) / 1000 }.sorted()
            if let p50 = Percentiles.of(sorted: sorted, 50), let p95 = Percentiles.of(sorted: sorted, 95), let p99 = Percentiles.of(sorted: sorted, 99) {
                stages[name] = Period.StageLatency(p50: p50, p95: p95, p99: p99)
            }
        }
        return Period(
            start: start, predictions: rows.count, labelled: labelled.count, realized: realized, estimated: estimated,
            latencyP50: Percentiles.of(sorted: latencies, 50), latencyP95: Percentiles.of(sorted: latencies, 95),
            latencyP99: Percentiles.of(sorted: latencies, 99), stages: stages)
    }
}

/// The prediction log's rows as the performance needs them, with each row's label when one arrived.
private struct LoggedRows {
    var times: [Int64] = []
    var requests: [String] = []
    var predictions: [Double] = []
    var probabilities: [Double] = []
    var latencies: [Int64] = []
    /// Each row's time reading features and scoring (µs), nil where the log did not record them.
    var featureLatencies: [Int64?] = []
    var scoringLatencies: [Int64?] = []
    var labels: [Double?] = []
    var indices: Range<Int> { 0..<times.count }

    init(_ frame: DataFrame, labels all: LabelStore.Labels, lineage: VersionLineage) throws {
        guard frame.rowCount > 0 else { return }
        guard let time = frame["timestamp"]?.values.int64s, let request = frame["request_id"], let entities = frame["entities"],
            let prediction = frame["prediction"], let probability = frame["probability"], let latency = frame["latency_us"]?.values.int64s
        else { throw KiteError(.corruptData, "the prediction log's columns have unexpected types") }
        times = time
        requests = (0..<frame.rowCount).map { request.string(at: $0) }
        let classes = lineage.classes
        predictions = (0..<frame.rowCount).map { row in
            switch prediction.scalar(at: row) {
            case .string(let name): classes?.firstIndex(of: name).map(Double.init) ?? .nan
            case .null: .nan
            case let value: ValueText.text(value).flatMap(Double.init) ?? .nan
            }
        }
        probabilities = probability.doubles()
        latencies = latency
        for (name, target) in [("features_us", \LoggedRows.featureLatencies), ("scoring_us", \LoggedRows.scoringLatencies)] {
            let column = frame[name]
            self[keyPath: target] = (0..<frame.rowCount).map { row in
                guard let column, !column.isNull(row), case .int(let value) = column.scalar(at: row) else { return nil }
                return value
            }
        }
        // Entity keys are read only where a label may need them (JSON per row is the costly part).
        let parsed = (0..<frame.rowCount).map { row in
            all.byEntity.isEmpty && (all.byRequest[requests[row]]?.allSatisfy(\.keys.isEmpty) ?? true) ? nil : LabelStore.entities(entities.string(at: row))
        }
        let byTime = LabelStore.assign(all, times: times, entities: parsed)
        labels = (0..<frame.rowCount).map { row in
            let byRequest = all.byRequest[requests[row]].flatMap { LabelStore.label(of: parsed[row], among: $0) }
            return (byRequest ?? byTime[row]).flatMap { lineage.numericLabel($0.value) }
        }
    }
}
