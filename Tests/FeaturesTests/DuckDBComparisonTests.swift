import Foundation
import KiteCore
import KiteTesting
import ObjectStorage
import Parquet
import Testing

@testable import Features

/// Kite's point-in-time join against DuckDB's ASOF JOIN on the same generated Parquet files: row for row.
@Suite struct DuckDBComparisonTests {
    @Test(arguments: [(Int64(0), "unlimited ttl"), (Int64(86_400_000_000), "1-day ttl")])
    func matchesDuckDBAsofJoin(ttl: Int64, label: String) async throws {
        var random = SeededGenerator(seed: UInt64(ttl) + 17)
        let start: Int64 = 1_700_000_000_000_000
        let minute: Int64 = 60_000_000
        let span = 30 * 24 * 60  // minutes in 30 days; minute resolution makes ties on event time common
        let entityRows = 100_000
        let featureRows = 200_000
        let keys = 10_000
        let entities = try DataFrame([
            ("customer", .int64s((0..<entityRows).map { _ in random.below(12) == 0 ? nil : Int64(random.below(keys + 500)) })),
            ("event_timestamp", .timestamps((0..<entityRows).map { _ in start + Int64(random.below(span)) * minute + 30_000_000 })),
            ("label", .int64s((0..<entityRows).map { Int64($0 % 2) })),
        ])
        let features = try DataFrame([
            ("customer", .int64s((0..<featureRows).map { _ in Int64(random.below(keys)) })),
            ("ts", .timestamps((0..<featureRows).map { _ in start + Int64(random.below(span)) * minute })),
            ("created", .timestamps((0..<featureRows).map { _ in start + Int64(random.below(4)) * minute })),
            ("amount", .float64s((0..<featureRows).map { _ in random.below(10) == 0 ? nil : Double(random.below(1_000_000)) / 100 })),
            ("segment", .strings((0..<featureRows).map { _ in "s\(random.below(7))" })),
        ])
        let directory = try TemporaryDirectory()
        try await ParquetWriter.write(entities, to: directory.file("entities.parquet"))
        try await ParquetWriter.write(features, to: directory.file("features.parquet"))
        let table = FeatureTable(
            name: "spend", frame: features, joinKeys: ["customer"], eventTimestamp: "ts", createdTimestamp: "created",
            ttl: TimeSpan(microseconds: ttl), outputs: [.init(column: "amount", name: "amount"), .init(column: "segment", name: "segment")])
        let kite = try await PointInTimeJoin.join(entities: entities, timestamp: "event_timestamp", tables: [table])
        let duck = try PeerValue.parsePeerTable(
            try Subprocess.python(
                "pit_peer.py",
                [
                    "asof", directory.file("entities.parquet"), directory.file("features.parquet"), String(ttl), "customer", "ts",
                    "created", "amount,segment",
                ]))
        #expect(duck.names == kite.schema.names)
        let differences = PeerValue.differences(PeerValue.rows(of: kite), duck.rows, theirName: "duckdb")
        #expect(differences.count == 0, "\(differences.examples.joined(separator: "\n"))")
        let matched = (0..<kite.rowCount).filter { !kite.columns[4].isNull($0) }.count
        #expect(matched > entityRows / 4)  // the data exercises matches, not just nulls

        // The same join streamed from an offline store (`TrainingSetBuilder`): the view in two files of row groups
        // of 7,000 rows, read a run of row groups per core, twice.
        try FileManager.default.createDirectory(atPath: directory.file("store/spend"), withIntermediateDirectories: true)
        var configuration = ParquetWriter.Configuration()
        configuration.rowGroupSize = 7_000
        let half = featureRows / 2
        try await ParquetWriter.write(try features.slice(0..<half), to: directory.file("store/spend/part-0.parquet"), configuration: configuration)
        try await ParquetWriter.write(try features.slice(half..<featureRows), to: directory.file("store/spend/part-1.parquet"), configuration: configuration)
        let definitions = try FeatureDefinitions.parse(
            yaml: """
                entities: [{name: customer, join_keys: [customer]}]
                sources: [{name: spend, path: "spend/part-*.parquet", timestamp_field: ts, created_timestamp_column: created}]
                feature_views:
                  - {name: spend, entities: [customer], source: spend, ttl: \(ttl)us, schema: [{name: amount, type: float64}, {name: segment, type: string}]}
                """, file: "defs.yaml")
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try ObjectStores.openFolder(directory.file("store")))
        let (streamed, _) = try await builder.build(entities: entities, features: [try FeatureReference(parsing: "spend:*")])
        let streamedDifferences = PeerValue.differences(PeerValue.rows(of: streamed), duck.rows, theirName: "duckdb")
        #expect(streamed.schema.names == kite.schema.names)
        #expect(streamedDifferences.count == 0, "\(streamedDifferences.examples.joined(separator: "\n"))")
    }
}
