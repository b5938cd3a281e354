import ABTesting
import Foundation
import KiteCore
import KiteTesting
import ObjectStorage
import Parquet
import Testing

/// `ExperimentData.analyze` against a reference computed here row by row in file order: the scan cuts the log into
/// runs of files read at once and merges them, which must give what one scan in order gives.
@Suite struct ExperimentDataTests {
    /// One logged prediction.
    private struct Row {
        var experiment: String
        var variant: String
        var forced: Bool
        var shadow: Bool
        var time: Int64
        var unit: String
        var request: String
        var probability: Double
    }

    @Test(arguments: [true, false]) func analysisOfManyFilesEqualsOneScanInOrder(labelled: Bool) async throws {
        let directory = try TemporaryDirectory()
        let store = try LocalObjectStore(root: directory.path, create: true)
        let variants = ["control", "treatment"]
        let experiment = try ExperimentDefinition(
            key: "exp", model: "m", variants: variants.map { .init(name: $0, model: "v1", weight: 0.5) }, unit: "customer_id")
        var random = SeededGenerator(seed: labelled ? 7 : 8)
        // Eight files; later files hold earlier times too, so a unit's first exposure may come from any of them.
        // Short units fit the interner's slot, long ones do not.
        var files: [[Row]] = []
        for file in 0..<8 {
            files.append(
                (0..<400).map { row in
                    let unit = random.below(3) == 0 ? "customer-with-a-long-id-\(random.below(150))" : "c\(random.below(150))"
                    return Row(
                        experiment: random.below(10) == 0 ? "other" : "exp", variant: variants[random.below(2)], forced: random.below(20) == 0,
                        shadow: random.below(20) == 0, time: Int64(random.below(1_000)), unit: unit, request: "r\(file)-\(row)",
                        probability: random.unit())
                })
        }
        for (index, rows) in files.enumerated() {
            let frame = try DataFrame([
                ("request_id", .strings(rows.map(\.request))), ("timestamp", .timestamps(rows.map(\.time))),
                ("experiment", .strings(rows.map(\.experiment))), ("variant", .strings(rows.map(\.variant))),
                ("forced", .bools(rows.map(\.forced))), ("shadow", .bools(rows.map(\.shadow))), ("unit", .strings(rows.map(\.unit))),
                ("probability", .float64s(rows.map(\.probability))),
            ])
            try await write(frame, to: "predictions/model=m/date=2026-11-0\(index / 4 + 1)/part-\(index).parquet", store: store)
        }
        // Outcomes: a value per unit for a third of the units seen and some never exposed; with labels, each names
        // one logged request of its unit.
        let logged = files.joined().filter { $0.experiment == "exp" && !$0.forced && !$0.shadow }
        var outcomes: [(unit: String, value: Double, request: String?)] = []
        for row in logged where random.below(3) == 0 {
            outcomes.append((row.unit, Double(random.below(2)), labelled ? row.request : nil))
        }
        outcomes.append(("never-exposed", 1, nil))
        try await write(
            try DataFrame([
                ("unit", .strings(outcomes.map(\.unit))), ("metric", .strings(Array(repeating: "converted", count: outcomes.count))),
                ("value", .float64s(outcomes.map(\.value))), ("received", .timestamps(Array(repeating: 0, count: outcomes.count))),
                ("request_id", .strings(outcomes.map(\.request))),
            ]), to: "outcomes/experiment=exp/part-0.parquet", store: store)

        // The reference: first exposure per unit (ties keep the earlier row), units per variant, outcome means.
        var first: [String: (time: Int64, variant: Int)] = [:]
        for row in logged {
            let variant = variants.firstIndex(of: row.variant) ?? -1
            if let seen = first[row.unit], seen.time <= row.time { continue }
            first[row.unit] = (row.time, variant)
        }
        var units = [0, 0]
        for (_, exposure) in first { units[exposure.variant] += 1 }
        var totals: [String: Double] = [:]
        for outcome in outcomes { totals[outcome.unit, default: 0] += outcome.value }
        var sums = [0.0, 0.0]
        for (unit, total) in totals { if let exposure = first[unit] { sums[exposure.variant] += total } }
        var labels = [0, 0]
        let requests = Dictionary(logged.map { ($0.request, $0) }, uniquingKeysWith: { first, _ in first })
        for outcome in outcomes {
            // A label counts for the variant its prediction was logged under.
            if let request = outcome.request, let row = requests[request] { labels[variants.firstIndex(of: row.variant) ?? 0] += 1 }
        }

        let analysis = try await ExperimentData.analyze(experiment, store: store)
        #expect(analysis.units == units)
        #expect(units.allSatisfy { $0 > 50 })
        let results = try #require(analysis.metrics.first { $0.name == "converted" }?.results)
        for (index, row) in results.rows.enumerated() {
            #expect(row.units == units[index])
            #expect(abs(row.mean - sums[index] / Double(units[index])) < 1e-12, "\(row.variant): \(row.mean)")
        }
        if labelled {
            let quality = try #require(analysis.quality["converted"])
            #expect(quality.map(\.labelled) == labels)
            #expect(labels.allSatisfy { $0 > 50 })
        } else {
            #expect(analysis.quality.isEmpty)
        }
    }

    private func write(_ frame: DataFrame, to key: String, store: LocalObjectStore) async throws {
        let writer = try await ParquetWriter(sink: try await store.makeSink(for: key), schema: frame.schema)
        try await writer.write(frame)
        try await writer.close()
    }
}
