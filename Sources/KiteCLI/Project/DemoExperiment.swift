import ABTesting
import Features
import Foundation
import KiteCore
import KiteServer
import Monitoring
import ObjectStorage
import Parquet
import Registry

/// The demo's A/B stage: an experiment between the champion and the other version, the example's last
/// transactions sent through `kite serve` (each customer routed by GrowthBook's bucketing), their fraud labels
/// arriving later as outcomes, and the results table.
enum DemoExperiment {
    /// Runs the stage and returns its report lines.
    static func run(
        project: ProjectConfiguration, s3: S3Client, offline: any ObjectStore, artifacts: ArtifactStore, now: Int64, champion: Int64,
        registry: RegistryStore
    ) async throws -> [String] {
        let challenger = champion == 1 ? 2 : 1
        let experiment = try ExperimentDefinition(
            key: "champion-vs-challenger", model: "fraud",
            variants: [.init(name: "champion", model: "champion", weight: 0.5), .init(name: "challenger", model: "v\(challenger)", weight: 0.5)],
            unit: "customer_id", status: .running, metrics: ["fraud_caught"])
        try await ExperimentStore(registry: registry).save(experiment)

        // The last 2,000 labelled transactions, 100 to a request.
        let labels = try await ParquetReader(path: project.folder + "/data/labels.parquet").read()
        let rows = Array(max(0, labels.rowCount - 2_000)..<labels.rowCount)
        let customers = try labels.column("customer_id")
        let merchants = try labels.column("merchant_id")
        let text: @Sendable (DataColumn, Int) -> String = { column, row in ValueText.text(column.scalar(at: row)) ?? "null" }
        let amounts = try labels.column("amount").doubles()
        let frauds = try labels.column("is_fraud")
        let flagged = try await DemoServer.with(
            project: project, s3: s3, offline: offline, artifacts: artifacts, now: now, models: ["fraud@champion"]
        ) { post in
            var flagged: [Bool] = []
            for start in stride(from: 0, to: rows.count, by: 100) {
                let batch = rows[start..<min(start + 100, rows.count)]
                let body = """
                    {"id": "ab-\(start)", "entities": {"customer_id": [\(batch.map { text(customers, $0) }.joined(separator: ","))], \
                    "merchant_id": [\(batch.map { text(merchants, $0) }.joined(separator: ","))]}, \
                    "request": {"amount": [\(batch.map { String(amounts[$0]) }.joined(separator: ","))]}}
                    """
                let answer = try await post("/v1/models/fraud/predict", body)
                guard case .array(let answers)? = answer["predictions"] else {
                    throw KiteError(.corruptData, "the prediction endpoint answered \(answer.text)")
                }
                flagged += answers.map { $0["prediction"] == .integer(1) }
            }
            return flagged
        }
        // The labels arrive later: a transaction flagged as fraud that was fraud is one caught.
        let outcomes = try DataFrame([
            ("customer_id", DataColumn.strings(rows.map { text(customers, $0) })), ("metric", .strings(rows.map { _ in "fraud_caught" })),
            ("value", .float64s(zip(rows, flagged).map { row, flag in flag && frauds.scalar(at: row) == .bool(true) ? 1 : 0 })),
        ])
        _ = try await ExperimentData.appendOutcomes(outcomes, experiment: experiment, store: offline, now: now)
        // The same labels, per prediction, for monitoring (kite monitor labels): request id and entity keys.
        let labelled = try DataFrame([
            ("request_id", DataColumn.strings(rows.indices.map { "ab-\($0 / 100 * 100)" })),
            ("customer_id", .strings(rows.map { text(customers, $0) })), ("merchant_id", .strings(rows.map { text(merchants, $0) })),
            ("label", .strings(rows.map { text(frauds, $0) })),
        ])
        _ = try await LabelStore.append(labelled, model: experiment.model, store: offline, now: now)
        let analysis = try await ExperimentData.analyze(experiment, store: offline)
        let units = analysis.units
        _ = try await ExperimentStore(registry: registry).setStatus(key: experiment.key, .stopped)
        var lines = [
            "units: champion (v\(champion)) \(units[0]), challenger (v\(challenger)) \(units[1]); sample ratio p = "
                + String(format: "%.3g", analysis.sampleRatioPValue)
        ]
        for (name, results) in analysis.metrics {
            guard let row = results.rows.last, let f = row.frequentist, let b = row.bayesian else { continue }
            lines.append(
                "\(name) per customer: champion \(String(format: "%.4f", results.rows[0].mean)), challenger \(String(format: "%.4f", row.mean)); "
                    + "lift \(String(format: "%+.1f%%", f.expected * 100)) [\(String(format: "%+.1f%%", f.confidenceInterval.lower * 100)), "
                    + "\(String(format: "%+.1f%%", f.confidenceInterval.upper * 100))], p = \(String(format: "%.3g", f.pValue)), "
                    + "chance to win \(String(format: "%.1f%%", b.chanceToWin * 100))")
        }
        return lines
    }
}
