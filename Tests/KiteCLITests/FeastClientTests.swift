import Foundation
import KiteCore
import KiteTesting
import Parquet
import Testing

/// Feast's own Python SDK, with `online_store: {type: remote}`, reading through `kite serve`.
@Suite struct FeastClientTests {
    @Test func feastsSDKReadsOnlineFeaturesThroughKite() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        let created = try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "2000", project])
        #expect(created.status == 0, "\(created.standardError)")
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["apply", "--project", project]).status == 0)
        // Fresh values (within the view's 7-day ttl) for customers 0..<20, pushed as a user would.
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let ids = (0..<20).map { Int64($0) }
        let spend = ids.map { Double($0) * 10.25 }
        let counts = ids.map { $0 % 4 }
        let averages: [Double?] = ids.map { $0 % 5 == 0 ? nil : Double($0) + 0.5 }
        let rows = try DataFrame([
            ("customer_id", .int64s(ids)), ("event_timestamp", .timestamps(ids.map { now - 3_600_000_000 + $0 })),
            ("spend_1d", .float64s(spend)), ("spend_7d", .float64s(spend)), ("txn_count_7d", .int64s(counts)), ("avg_amount_7d", .float64s(averages)),
        ])
        let file = directory.file("fresh.parquet")
        let writer = try await ParquetWriter(path: file, schema: rows.schema)
        try await writer.write(rows)
        try await writer.close()
        let pushed = try await Subprocess.run(TestEnvironment.kiteBinary, ["push", "customer_stats", file, "--project", project])
        #expect(pushed.status == 0, "\(pushed.standardError)")

        let server = try ServerProcess(TestEnvironment.kiteBinary, ["serve", "--port", "0", "--project", project], in: directory.path)
        defer { server.stop() }
        let result = try await Subprocess.run(
            try TestServices.feastPython(),
            [
                TestEnvironment.peerScript("feast_remote_peer.py"), "http://127.0.0.1:\(server.port)", directory.file("feast_repo"),
                project + "/data/customer_stats.parquet",
            ] + (ids + [999_999]).map(String.init))
        #expect(result.status == 0, "\(result.standardError)\n\(server.log)")
        let answer = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: [Any]] ?? [:]
        #expect((answer["customer_id"] as? [Int])?.map(Int64.init) == ids + [999_999])
        #expect(answer["spend_7d"]?.map { $0 as? Double } == spend.map { $0 } + [nil])
        #expect(answer["txn_count_7d"]?.map { ($0 as? Int).map(Int64.init) } == counts.map { $0 } + [nil])
        #expect(answer["avg_amount_7d"]?.map { $0 as? Double } == averages + [nil])
    }
}
