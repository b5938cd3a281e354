import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite airflow export` with real Airflow 3: the DAG files import without errors, and `airflow dags test` runs
/// the example's nightly pipeline to the same scores as `kite pipelines run`.
@Suite struct AirflowExportTests {
    @Test func exportedNightlyRunsInAirflowLikeKite() async throws {
        let airflow = try TestServices.airflow()
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        let kite = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "2000", project]).status == 0)
        for step in [["apply"], ["train", project + "/train/gbdt.yaml"], ["models", "alias", "fraud", "1", "champion"]] {
            let result = try await kite(step)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        // Kite runs the pipeline for 2026-03-02 02:00; its scores are set aside for the comparison.
        let run = try await kite(["pipelines", "run", "nightly", "--date", "2026-03-02T02:00:00Z"])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        try FileManager.default.moveItem(atPath: project + "/scores/nightly", toPath: project + "/scores/by-kite")

        let home = directory.file("airflow")
        let dags = home + "/dags"
        let exported = try await kite(["airflow", "export", "--out", dags, "--kite", TestEnvironment.kiteBinary])
        #expect(exported.status == 0 && exported.standardOutput.contains("kite_nightly.py"), "\(exported.standardError)")
        let pods = try await kite(["airflow", "export", "--out", directory.file("pods"), "--operator", "kubernetes", "--image", "kite:test"])
        #expect(pods.status == 0, "\(pods.standardError)")
        let syntax = try await Subprocess.run(
            TestEnvironment.python,
            [TestEnvironment.peerScript("airflow_peer.py"), "syntax", dags + "/kite_nightly.py", directory.file("pods/kite_nightly.py")])
        #expect(syntax.status == 0, "\(syntax.standardError)")

        var environment = ProcessInfo.processInfo.environment
        environment["AIRFLOW_HOME"] = home
        environment["AIRFLOW__CORE__DAGS_FOLDER"] = dags
        environment["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        let airflowRun = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(airflow, arguments, environment: environment)
        }
        let migrated = try await airflowRun(["db", "migrate"])
        #expect(migrated.status == 0, "\(migrated.standardError)")
        let parsed = try await airflowRun(["dags", "reserialize"])
        #expect(parsed.status == 0, "\(parsed.standardError)")
        let listed = try await airflowRun(["dags", "list", "-o", "plain"])
        #expect(listed.standardOutput.contains("nightly"), "\(listed.standardOutput)\(listed.standardError)")
        let errors = try await airflowRun(["dags", "list-import-errors", "-o", "plain"])
        #expect(!errors.standardOutput.contains("kite_nightly.py"), "\(errors.standardOutput)")

        let tested = try await airflowRun(["dags", "test", "nightly", "2026-03-02T02:00:00+00:00"])
        let log = tested.standardOutput + tested.standardError
        #expect(tested.status == 0 && log.contains("state=success"), "\(log.suffix(4_000))")
        let same = try await Subprocess.run(
            TestEnvironment.python,
            [TestEnvironment.peerScript("airflow_peer.py"), "same-scores", project + "/scores/by-kite/2026-03-02", project + "/scores/nightly/2026-03-02"])
        #expect(same.status == 0 && same.standardOutput.contains("same 2000"), "\(same.standardError)")
    }
}
