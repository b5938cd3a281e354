import Foundation
import KiteCore
import KiteTesting
import Parquet
import Testing

/// `kite models import` and MLflow's lightgbm and xgboost flavors, as users bring models to Kite: the real
/// `mlflow` client logs Boosters to `kite server`, and `kite predict` scores them as the libraries do.
@Suite struct ModelImportCommandTests {
    @Test func importedAndMLflowLoggedModelsPredictAsTheLibrariesDo() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("project")
        let out = directory.file("peer")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let kite = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let peer = TestEnvironment.peerScript("flavor_peer.py")
        let server = try ServerProcess(TestEnvironment.kiteBinary, ["server", "--port", "0", "--project", project], in: directory.path)
        let logged = try await Subprocess.run(TestEnvironment.python, [peer, "log", "http://127.0.0.1:\(server.port)", out])
        #expect(server.stop() == 0, "\(server.log)")
        #expect(logged.status == 0, "\(logged.standardError)")

        // The flavors' versions as MLflow registered them, and the same files through kite models import.
        let imported = try await kite([
            "models", "import", out + "/model.txt", "--name", "lgb-imported", "--alias", "champion", "--reference", out + "/input.parquet",
        ])
        #expect(imported.status == 0, "\(imported.standardError)")
        // The reference rows are scored into the run's reference, with the model's global importance.
        let runID = imported.standardOutput.components(separatedBy: "  run ").last?.prefix(32) ?? ""
        let artifacts = project + "/.kite/artifacts"
        let runFolder = (FileManager.default.subpaths(atPath: artifacts) ?? []).first { $0.hasSuffix(String(runID) + "/artifacts") }
        let reference = try await ParquetReader(path: artifacts + "/" + (runFolder ?? "?") + "/reference/reference.parquet").read()
        #expect(reference.rowCount == 300 && reference["probability"] != nil && reference["f0"] != nil)
        #expect(FileManager.default.fileExists(atPath: artifacts + "/" + (runFolder ?? "?") + "/explanations/importance.json"))
        #expect(imported.standardOutput.contains("imported lightgbm binary sigmoid:1 model (binary, 50 trees, 10 features)"), "\(imported.standardOutput)")
        #expect(imported.standardOutput.contains("registered lgb-imported version 1 (alias champion)"))
        let signature = (0..<10).map { "f\($0):float64" }.joined(separator: ",")
        let xgbImported = try await kite(["models", "import", out + "/model.json", "--name", "xgb-imported", "--signature", signature])
        #expect(xgbImported.status == 0 && xgbImported.standardOutput.contains("(multiclass, 90 trees, 10 features)"), "\(xgbImported.standardError)")
        for (model, kind) in [
            ("lgb-flavor@v1", "lightgbm"), ("lgb-imported@champion", "lightgbm"), ("xgb-flavor@v1", "xgboost"), ("xgb-imported@v1", "xgboost"),
        ] {
            let predicted = directory.file("\(model).parquet")
            let scored = try await kite(["predict", model, "--input", out + "/input.parquet", "--out", predicted])
            #expect(scored.status == 0, "\(model): \(scored.standardError)")
            let compared = try await Subprocess.run(TestEnvironment.python, [peer, "compare", out, kind, predicted])
            #expect(compared.status == 0 && compared.standardOutput == "equal 300\n", "\(model): \(compared.standardError)")
        }
        // kite predict --explain: per-input contributions that add up to the log-odds of each probability.
        let explained = directory.file("explained.parquet")
        let explaining = try await kite(["predict", "lgb-imported@champion", "--input", out + "/input.parquet", "--out", explained, "--explain"])
        #expect(explaining.status == 0, "\(explaining.standardError)")
        let frame = try await ParquetReader(path: explained).read()
        let probabilities = try frame.column("probability").doubles()
        let expected = try frame.column("shap_expected_value").doubles()
        let shap = try (0..<10).map { try frame.column("shap_f\($0)").doubles() }
        for row in 0..<frame.rowCount {
            let total = shap.reduce(expected[row]) { $0 + $1[row] }
            let logit = Foundation.log(probabilities[row] / (1 - probabilities[row]))
            #expect(abs(total - logit) <= 1e-9 * max(1, abs(logit)), "row \(row): \(total) vs \(logit)")
        }

        // A model trained on pandas category columns takes the categories as strings (unseen and missing ones too).
        #expect(try await Subprocess.run(TestEnvironment.python, [peer, "pandas", out]).status == 0)
        let pandas = try await kite(["models", "import", out + "/pandas.txt", "--name", "lgb-pandas"])
        #expect(pandas.status == 0, "\(pandas.standardError)")
        let pandasScored = directory.file("pandas-scored.parquet")
        let pandasRun = try await kite(["predict", "lgb-pandas@v1", "--input", out + "/pandas.parquet", "--out", pandasScored])
        #expect(pandasRun.status == 0, "\(pandasRun.standardError)")
        let pandasCompared = try await Subprocess.run(TestEnvironment.python, [peer, "compare", out, "pandas", pandasScored])
        #expect(pandasCompared.status == 0 && pandasCompared.standardOutput == "equal 300\n", "\(pandasCompared.standardError)")

        // The import is a run with the original file beside the converted model.
        let runs = try await kite(["models", "show", "lgb-imported"])
        #expect(runs.standardOutput.contains("version 1: READY"), "\(runs.standardOutput)")

        // Damaged and unsupported files: a clear error naming the file and the reason; nothing registered.
        #expect(try await Subprocess.run(TestEnvironment.python, [peer, "bad", out]).status == 0)
        for (file, message) in [
            ("truncated.txt", "ends before 'end of trees'"), ("edited.txt", "node 0 points to 999"), ("poisson.txt", "has objective 'poisson'"),
            ("linear.txt", "has linear trees"), ("gblinear.json", "uses the 'gblinear' booster"), ("input.parquet", "neither a LightGBM text model"),
        ] {
            let refused = try await kite(["models", "import", out + "/" + file, "--name", "bad"])
            #expect(refused.status != 0 && refused.standardError.contains(file) && refused.standardError.contains(message), "\(file): \(refused.standardError)")
        }
        let wrongSignature = try await kite(["models", "import", out + "/model.txt", "--name", "bad", "--signature", "a,b"])
        #expect(wrongSignature.status != 0 && wrongSignature.standardError.contains("names 2 inputs; the model has 10 features"))
        let none = try await kite(["models", "show", "bad"])
        #expect(none.status != 0, "a refused import registers nothing")
    }
}
