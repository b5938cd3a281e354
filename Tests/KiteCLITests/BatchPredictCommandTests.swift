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
        // The shards join in passes of one chunk each (the whole job above, in one pass).
        let sharded = directory.file("sharded")
        var shardRows = 0
        for shard in 1...3 {
            let part = try await kite([
                "batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", sharded, "--shard", "\(shard)/3", "--rows-per-pass", "1",
            ])
            #expect(part.status == 0, "\(part.standardError)")
            shardRows += part.standardOutput.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        }
        #expect(shardRows == 240)
        let explained = directory.file("explained")
        let explaining = try await kite(["batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", explained, "--explain"])
        #expect(explaining.status == 0, "\(explaining.standardError)")

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

        // Scored at each row's own time: each row filed under its day.
        let dated = directory.file("dated")
        let byDay = try await kite(["batch-predict", "fraud@champion", "--entities", entities, "--timestamp-column", "seen_at", "--out", dated])
        #expect(byDay.status == 0, "\(byDay.standardError)")
        let days = try await Subprocess.run(TestEnvironment.python, [peer, "dates", dated, "seen_at"])
        #expect(days.status == 0 && days.standardOutput.hasPrefix("dated 240 rows on "), "\(days.standardOutput)\(days.standardError)")
        #expect(!days.standardOutput.hasPrefix("dated 240 rows on 1 days"), "\(days.standardOutput)")

        // Partitioned by a column: each row under its merchant's directory.
        let byMerchant = directory.file("by-merchant")
        let partitioned = try await kite([
            "batch-predict", "fraud@champion", "--entities", entities, "--at", at, "--out", byMerchant, "--partition-by", "merchant_id",
        ])
        #expect(partitioned.status == 0, "\(partitioned.standardError)")
        let merchants = try await Subprocess.run(TestEnvironment.python, [peer, "partitions", byMerchant, "merchant_id"])
        #expect(
            merchants.status == 0 && merchants.standardOutput.hasPrefix("partitioned 240 rows in "), "\(merchants.standardOutput)\(merchants.standardError)")

        let server = try ServerProcess(
            TestEnvironment.kiteBinary, ["serve", "--port", "0", "--model", "fraud@champion", "--project", project], in: directory.path)
        let compared = try await Subprocess.run(
            TestEnvironment.python,
            [peer, "compare", "http://127.0.0.1:\(server.port)/v1/models/fraud/predict", entities, whole, sharded, explained])
        #expect(server.stop() == 0, "\(server.log)")
        #expect(compared.status == 0 && compared.standardOutput.contains("equal 240"), "\(compared.standardError)")
        #expect(compared.standardOutput.contains("explained 240"), "\(compared.standardOutput)")

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

    /// --all-entities scores every customer of a view's source as of a time; --to-online writes the scores to the
    /// online store as a feature view, where the feature server reads them back unchanged. The view over the
    /// scores is declared before any exist: apply warns and checks its columns once they do.
    @Test func allEntitiesScoredAndWrittenOnline() async throws {
        let directory = try TemporaryDirectory()
        let (project, kite, yaml) = try await Self.riskProject(in: directory)
        let definitions = project + "/features/fraud.yaml"
        let at = "2026-02-15T00:00:00+00:00"
        let scores = project + "/data/scores"
        // The scores as a feature view of the customer, declared before the first scores are written.
        try
            (yaml
            .replacing(
                "\nfeature_views:\n",
                with: """

                    feature_views:
                      - name: customer_risk
                        entities: [customer]
                        source: customer_scores
                        schema:
                          - {name: probability, type: float64}
                          - {name: prediction, type: int64}

                    """
            )
            .replacing(
                "\nsources:\n",
                with: """

                    sources:
                      - name: customer_scores
                        path: scores/*/*.parquet
                        timestamp_field: event_timestamp

                    """
            )).write(toFile: definitions, atomically: true, encoding: .utf8)
        let declared = try await kite(["apply"])
        #expect(declared.status == 0, "\(declared.standardError)")
        #expect(declared.standardError.contains("source 'customer_scores' matches no Parquet files at 'scores/*/*.parquet'"), "\(declared.standardError)")
        let first = try await kite(["batch-predict", "risk@champion", "--all-entities", "customer_stats", "--at", at, "--out", scores])
        #expect(first.status == 0 && first.standardOutput.hasPrefix("scored "), "\(first.standardError)")
        let peer = TestEnvironment.peerScript("batch_peer.py")
        let keys = try await Subprocess.run(TestEnvironment.python, [peer, "keys", project + "/data/customer_stats.parquet", at, scores])
        #expect(keys.status == 0 && keys.standardOutput.hasPrefix("keys "), "\(keys.standardError)")
        // Now the files exist, apply checks them: a column the scores lack is an error.
        let reapplied = try await kite(["apply"])
        #expect(reapplied.status == 0 && reapplied.standardError.isEmpty, "\(reapplied.standardError)")
        let mistyped = try String(contentsOfFile: definitions, encoding: .utf8)
        try mistyped.replacing("{name: prediction, type: int64}", with: "{name: predicted, type: int64}").write(
            toFile: definitions, atomically: true, encoding: .utf8)
        let wrong = try await kite(["apply"])
        #expect(wrong.status != 0 && wrong.standardError.contains("column 'predicted' does not exist"), "\(wrong.standardError)")
        try mistyped.write(toFile: definitions, atomically: true, encoding: .utf8)
        let online = try await kite([
            "batch-predict", "risk@champion", "--all-entities", "customer_stats", "--at", at, "--out", scores, "--to-online", "customer_risk",
        ])
        let scored = keys.standardOutput.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
        #expect(
            online.status == 0 && online.standardOutput.contains("\(scored) entities written online as customer_risk"),
            "\(online.standardOutput)\(online.standardError)")
        let server = try ServerProcess(TestEnvironment.kiteBinary, ["serve", "--port", "0", "--project", project], in: directory.path)
        let compared = try await Subprocess.run(TestEnvironment.python, [peer, "online", "http://127.0.0.1:\(server.port)/get-online-features", scores])
        #expect(server.stop() == 0, "\(server.log)")
        #expect(compared.status == 0 && compared.standardOutput == "online \(scored)\n", "\(compared.standardError)")

        // Bad input: an unknown view, a view the predictions do not fit, entities without a time.
        let unknown = try await kite(["batch-predict", "risk@champion", "--all-entities", "nope", "--at", at, "--out", directory.file("x")])
        #expect(unknown.status != 0 && unknown.standardError.contains("nope"), "\(unknown.standardError)")
        let misfit = try await kite([
            "batch-predict", "risk@champion", "--all-entities", "customer_stats", "--at", at, "--out", directory.file("y"), "--to-online", "customer_stats",
        ])
        #expect(misfit.status != 0 && misfit.standardError.contains("feature 'spend_1d' is not a column of the predictions"), "\(misfit.standardError)")
        let noTime = try await kite(["batch-predict", "risk@champion", "--all-entities", "customer_stats", "--out", directory.file("z")])
        #expect(noTime.status != 0 && noTime.standardError.contains("--all-entities needs --at"), "\(noTime.standardError)")
    }

    /// Memory holds a pass of entity rows, not the input: with passes of 20,000 rows, 20 times the rows (in chunks
    /// of 10,000) peak within a third of what the bigger input alone takes in memory.
    @Test func memoryHoldsAPassNotTheInput() async throws {
        let directory = try TemporaryDirectory()
        let (project, _, _) = try await Self.riskProject(in: directory)
        let peer = TestEnvironment.peerScript("batch_peer.py")
        var peaks: [Int] = []
        for rows in [20_000, 400_000] {
            let entities = directory.file("entities-\(rows).parquet")
            let made = try await Subprocess.run(TestEnvironment.python, [peer, "repeat", project + "/data/labels.parquet", "\(rows)", "10000", entities])
            #expect(made.status == 0, "\(made.standardError)")
            let run = try await Subprocess.run(
                TestEnvironment.python,
                [
                    peer, "rss", TestEnvironment.kiteBinary, "batch-predict", "risk@champion", "--entities", entities, "--at", "2026-02-15T00:00:00Z",
                    "--out", directory.file("out-\(rows)"), "--rows-per-pass", "20000", "--project", project,
                ])
            let fields = run.standardOutput.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            #expect(fields.count == 3 && fields[1] == "0", "\(run.standardOutput)\(run.standardError)")
            peaks.append(fields.count == 3 ? Int(fields[2]) ?? 0 : 0)
        }
        // 400,000 rows of 4 input and 4 output columns of 8 bytes: 25.6 MB if they were all held at once.
        let inputKB = 400_000 * 8 * 8 / 1024
        #expect(peaks[0] > 0 && peaks[1] - peaks[0] < inputKB / 3, "peak resident KB: \(peaks)")
    }

    /// The fraud example (3,000 rows, ttls long enough for any date) with a second feature service of the customer
    /// alone and a small GBDT of it, `risk@champion` (10 trees, for the debug build's speed); with a runner of
    /// `kite … --project PROJECT` and the definitions' YAML as written.
    private static func riskProject(
        in directory: TemporaryDirectory
    ) async throws -> (project: String, kite: @Sendable ([String]) async throws -> ProcessResult, yaml: String) {
        let project = directory.file("fraud")
        let kite: @Sendable ([String]) async throws -> ProcessResult = { arguments in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "3000", project]).status == 0)
        let definitions = project + "/features/fraud.yaml"
        var yaml = try String(contentsOfFile: definitions, encoding: .utf8).replacing(/ttl: \d+d/, with: "ttl: 36500d")
        yaml += """
              - name: customer_model
                features: [customer_stats:*]

            """
        try yaml.write(toFile: definitions, atomically: true, encoding: .utf8)
        let training = try String(contentsOfFile: project + "/train/gbdt.yaml", encoding: .utf8)
            .replacing("model: fraud", with: "model: risk").replacing("fraud_model", with: "customer_model")
            .replacing("num_iterations: 100", with: "num_iterations: 10")
            .replacing(/\n *extra_features:[^\n]*/, with: "").replacing(/\n *- auc >= champion[^\n]*/, with: "")
        try training.write(toFile: project + "/train/risk.yaml", atomically: true, encoding: .utf8)
        for step in [["apply"], ["train", project + "/train/risk.yaml"], ["models", "alias", "risk", "1", "champion"]] {
            let result = try await kite(step)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        return (project, kite, yaml)
    }
}
