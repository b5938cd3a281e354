import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite pipelines` and `kite apply` on the example's nightly pipeline, as a user runs them.
@Suite struct PipelinesCommandTests {
    @Test func runBackfillInspectAndValidate() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        let kite = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "2000", project]).status == 0)
        let applied = try await kite(["apply"])
        #expect(applied.status == 0 && applied.standardOutput.contains("pipelines: nightly"), "\(applied.standardOutput)\(applied.standardError)")
        for step in [["train", project + "/train/gbdt.yaml"], ["models", "alias", "fraud", "1", "champion"]] {
            let result = try await kite(step)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        let listed = try await kite(["pipelines", "list"])
        #expect(listed.standardOutput.contains("nightly") && listed.standardOutput.contains("0 2 * * * (UTC)"), "\(listed.standardOutput)")

        let run = try await kite(["pipelines", "run", "nightly", "--date", "2026-03-02T02:00:00Z"])
        #expect(run.status == 0 && run.standardOutput.contains("succeeded (materialize, score"), "\(run.standardOutput)\(run.standardError)")
        for shard in ["1-of-2", "2-of-2"] {
            let state = try String(contentsOfFile: project + "/scores/nightly/2026-03-02/_kite_batch-\(shard).json", encoding: .utf8)
            #expect(state.contains("\"complete\" : true"), "\(state)")
        }
        let runs = try await kite(["pipelines", "runs", "nightly"])
        #expect(runs.standardOutput.contains("manual") && runs.standardOutput.contains("succeeded"), "\(runs.standardOutput)")
        let runID = String(runs.standardOutput.split(separator: "\n").dropFirst(2).first?.split(separator: " ").first ?? "")
        let logs = try await kite(["pipelines", "logs", runID])
        #expect(logs.standardOutput.contains("$ kite batch-predict fraud@champion") && logs.standardOutput.contains("scored"), "\(logs.standardOutput)")

        // A backfill runs each firing in the range, oldest first.
        let backfill = try await kite(["pipelines", "backfill", "nightly", "2026-02-27T00:00:00Z", "2026-02-28T23:59:59Z"])
        #expect(backfill.status == 0, "\(backfill.standardError)")
        #expect(backfill.standardOutput.components(separatedBy: "succeeded").count == 3, "\(backfill.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: project + "/scores/nightly/2026-02-27/_kite_batch-1-of-2.json"))

        // A failing step fails the run and the command, naming the step and its log.
        try """
        name: broken
        steps:
          - name: missing
            command: [models, show, nope]
        """.write(toFile: project + "/pipelines/broken.yaml", atomically: true, encoding: .utf8)
        let failed = try await kite(["pipelines", "run", "broken"])
        #expect(failed.status != 0 && failed.standardError.contains("step 'missing' failed: exit code 1"), "\(failed.standardError)")

        // kite apply checks every pipeline file, naming the file and line.
        try """
        name: cyclic
        steps:
          - name: a
            depends_on: [b]
            command: [models, list]
          - name: b
            depends_on: [a]
            command: [models, list]
        """.write(toFile: project + "/pipelines/cyclic.yaml", atomically: true, encoding: .utf8)
        let refused = try await kite(["apply"])
        #expect(refused.status != 0 && refused.standardError.contains("cyclic.yaml:1") && refused.standardError.contains("cycle"), "\(refused.standardError)")
        let unknown = try await kite(["pipelines", "run", "nope"])
        #expect(unknown.status != 0 && unknown.standardError.contains("cyclic.yaml:1"), "\(unknown.standardError)")
    }
}
