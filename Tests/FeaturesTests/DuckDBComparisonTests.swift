import Foundation
import KiteCore
import KiteTesting
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
    }
}
