import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite batch-predict` as a user runs it, checked against `kite serve` on the same entities.
@Suite struct BatchPredictCommandTests {
    @Test func batchScoresEqualServedOnesAndShardsAddUp() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        let kite = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "3000", project]).status == 0)
        // The example's values end in March 2026; long ttls keep them servable whenever the test runs.
        let definitions = project + "/features/fraud.yaml"
        try (try String(contentsOfFile: definitions, encoding: .utf8)).replacing(/ttl: \d+d/, with: "ttl: 36500d").write(
            toFile: definitions, atomically: true, encoding: .utf8)
        for step in [
            ["apply"], ["train", project + "/train/gbdt.yaml"], ["models", "alias", "fraud", "1", "champion"],
            ["materialize", "2026-01-01T00:00:00Z", "2026-03-05T00:00:00Z"],
        ] {
            let result = try await kite(step)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        let entities = directory.file("entities.parquet")
        let peer = TestEnvironment.peerScript("batch_peer.py")
        #expect(try await Subprocess.run(TestEnvironment.python, [peer, "entities", project + "/data/labels.parquet", entities]).status == 0)

        let at = "2026-03-05T00:00:00Z"
        let whole = directory.file("whole")
        let batch = try await kite(["batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", whole])
        #expect(batch.status == 0 && batch.standardOutput.hasPrefix("scored 240 of 240 rows with fraud@champion (version 1)"), "\(batch.standardError)")
        let sharded = directory.file("sharded")
        var shardRows = 0
        for shard in 1...3 {
            let part = try await kite(["batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", sharded, "--shard", "\(shard)/3"])
            #expect(part.status == 0, "\(part.standardError)")
            shardRows += part.standardOutput.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        }
        #expect(shardRows == 240)

        // An interrupted job: its state loses a chunk (and that chunk's files); the rerun keeps the others.
        let stateFile = whole + "/_kite_batch.json"
        var state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stateFile))) as? [String: Any] ?? [:]
        #expect(state["complete"] as? Bool == true && state["rows"] as? Int == 240, "\(state)")
        var chunks = state["chunks"] as? [String: [String: Any]] ?? [:]
        #expect(chunks.count == 4)
        for file in chunks["2"]?["files"] as? [String] ?? [] { try FileManager.default.removeItem(atPath: whole + "/" + file) }
        chunks["2"] = nil
        (state["chunks"], state["complete"]) = (chunks, false)
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: stateFile))
        let rerun = try await kite(["batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", whole])
        #expect(rerun.status == 0 && rerun.standardOutput.contains("3 chunks kept from an earlier run"), "\(rerun.standardOutput)\(rerun.standardError)")

        let server = try ServerProcess(
            TestEnvironment.kiteBinary, ["serve", "--port", "0", "--model", "fraud@champion", "--project", project], in: directory.path)
        let compared = try await Subprocess.run(
            TestEnvironment.python, [peer, "compare", "http://127.0.0.1:\(server.port)/v1/models/fraud/predict", entities, whole, sharded])
        #expect(server.stop() == 0, "\(server.log)")
        #expect(compared.status == 0 && compared.standardOutput.contains("equal 240"), "\(compared.standardError)")

        // Bad input: a clear error naming what is missing.
        let noTime = try await kite(["batch-predict", "fraud@champion", "--entities", entities, "--out", directory.file("none")])
        #expect(noTime.status != 0 && noTime.standardError.contains("no timestamp column 'event_timestamp'"), "\(noTime.standardError)")
        let noModel = try await kite(["batch-predict", "nope@champion", "--entities", entities, "--at", at, "--out", directory.file("none")])
        #expect(noModel.status != 0 && noModel.standardError.contains("nope"), "\(noModel.standardError)")
        let badShard = try await kite([
            "batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", directory.file("none"), "--shard", "4/3",
        ])
        #expect(badShard.status != 0 && badShard.standardError.contains("1 ≤ I ≤ N"), "\(badShard.standardError)")
    }
}
