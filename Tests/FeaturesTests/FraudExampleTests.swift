import Foundation
import KiteCore
import KiteTesting
import ObjectStorage
import Parquet
import Testing

@testable import Features

@Suite struct FraudExampleTests {
    @Test func theWorldIsDeterministicAndItsFeaturesNeverSeeTheFuture() async throws {
        let world = try FraudExample(rows: 5_000, seed: 3).generate()
        let again = try FraudExample(rows: 5_000, seed: 3).generate()
        #expect(PeerValue.rows(of: world.customerStats) == PeerValue.rows(of: again.customerStats))
        #expect(PeerValue.rows(of: world.labels) == PeerValue.rows(of: again.labels))
        #expect(world.summary.fraudRate > 0.01 && world.summary.fraudRate < 0.3)

        // Recompute spend_7d and spend_1d by brute force from the transactions strictly before each one.
        let customers = try world.transactions.column("customer_id").values.int64s ?? []
        let times = try world.transactions.column("event_timestamp").values.int64s ?? []
        let amounts = try world.transactions.column("amount").values.float64s ?? []
        let spend7 = try world.customerStats.column("spend_7d").values.float64s ?? []
        let spend1 = try world.customerStats.column("spend_1d").values.float64s ?? []
        let day = Timestamp.microsPerDay
        for i in stride(from: 0, to: 5_000, by: 97) {
            var expected7 = 0.0
            var expected1 = 0.0
            for j in 0..<i where customers[j] == customers[i] && times[i] - times[j] <= 7 * day {
                expected7 += amounts[j]
                if times[i] - times[j] <= day { expected1 += amounts[j] }
            }
            #expect(abs(spend7[i] - expected7) < 1e-6, "row \(i)")
            #expect(abs(spend1[i] - expected1) < 1e-6, "row \(i)")
        }
        // The last ten days drift: amounts grow.
        let driftStart = FraudExample.start + Int64(FraudExample.days - FraudExample.driftDays) * day
        let early = zip(times, amounts).filter { $0.0 < driftStart }.map(\.1)
        let late = zip(times, amounts).filter { $0.0 >= driftStart }.map(\.1)
        let earlyMean: Double = early.reduce(0, +) / Double(early.count)
        let lateMean: Double = late.reduce(0, +) / Double(late.count)
        #expect(lateMean > 1.3 * earlyMean)
    }

    @Test func theProjectAppliesAndBuildsATrainingSet() async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("fraud")
        _ = try await FraudExample(rows: 3_000).write(to: folder)
        await #expect(throws: KiteError.self) { try await FraudExample(rows: 3_000).write(to: folder) }
        let configuration = try ProjectConfiguration.load(folder: folder)
        let definitions = try FeatureDefinitions.load(folder: configuration.definitionsFolder)
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try LocalObjectStore(root: folder + "/data"))
        let labels = try await ParquetReader(path: folder + "/data/labels.parquet").read()
        let (training, _) = try await builder.build(entities: labels, features: try builder.references(service: "fraud_model"))
        #expect(training.rowCount == 3_000)
        #expect(
            Array(training.schema.names.suffix(7)) == [
                "spend_1d", "spend_7d", "txn_count_7d", "avg_amount_7d", "fraud_rate_30d", "amount_vs_avg_7d", "is_large",
            ])
        // The customer features at each transaction are that transaction's own pre-transaction row.
        let stats = try await ParquetReader(path: folder + "/data/customer_stats.parquet").read()
        #expect(PeerValue.rows(of: try training.select(["spend_7d"])) == PeerValue.rows(of: try stats.select(["spend_7d"])))
    }
}
