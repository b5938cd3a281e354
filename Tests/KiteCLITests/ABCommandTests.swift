import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite ab` as a user runs it: an experiment between the demo's two versions, traffic through `kite serve`,
/// outcomes, results and promotion.
@Suite struct ABCommandTests {
    @Test func experimentFromFileToPromotion() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("demo")
        let demo = try await Subprocess.run(TestEnvironment.kiteBinary, ["demo", "--rows", "5000", "--keep", project])
        #expect(demo.status == 0, "\(demo.standardError)")
        let kite = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        let file = directory.file("experiment.yaml")
        try """
        key: gbdt-vs-logistic
        model: fraud
        unit: customer_id
        variants:
          - {name: control, model: v2, weight: 0.5}
          - {name: treatment, model: v1, weight: 0.6}
        metrics: [is_fraud]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try await kite(["ab", "create", file])
        #expect(
            refused.status != 0 && refused.standardError.contains("experiment.yaml:") && refused.standardError.contains("sum to 1"), "\(refused.standardError)")
        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "weight: 0.6", with: "weight: 0.5").write(
            toFile: file, atomically: true, encoding: .utf8)
        let created = try await kite(["ab", "create", file, "--start"])
        #expect(created.status == 0, "\(created.standardError)")
        #expect(try await kite(["ab", "list"]).standardOutput.contains("gbdt-vs-logistic"))

        let server = try ServerProcess(
            TestEnvironment.kiteBinary, ["serve", "--port", "0", "--model", "fraud@champion", "--project", project], in: directory.path)
        let assignments = directory.file("assignments.json")
        let traffic = try await Subprocess.run(
            TestEnvironment.python,
            [TestEnvironment.peerScript("ab_peer.py"), "traffic", "http://127.0.0.1:\(server.port)/v1/models/fraud/predict", "400", assignments])
        #expect(traffic.status == 0, "\(traffic.standardError)")
        #expect(server.stop() == 0, "\(server.log)")
        let variants = try JSONDecoder().decode([String: [String]].self, from: Data(contentsOf: URL(fileURLWithPath: assignments)))
        let treated = variants.values.filter { $0.first == "treatment" }.count
        #expect(variants.count == 400 && treated > 150 && treated < 250)

        let outcomes = directory.file("outcomes.parquet")
        #expect(try await Subprocess.run(TestEnvironment.python, [TestEnvironment.peerScript("ab_peer.py"), "outcomes", assignments, outcomes]).status == 0)
        let added = try await kite(["ab", "outcomes", "gbdt-vs-logistic", outcomes])
        #expect(added.status == 0 && added.standardOutput.hasPrefix("400 outcomes"), "\(added.standardError)")
        let status = try await kite(["ab", "status", "gbdt-vs-logistic"])
        #expect(status.status == 0, "\(status.standardError)")
        #expect(status.standardOutput.contains("units: control \(400 - treated), treatment \(treated)"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("metric is_fraud") && status.standardOutput.contains("chance to win"), "\(status.standardOutput)")
        #expect(
            status.standardOutput.contains("as labels of the predictions: control AUC") && status.standardOutput.contains("(\(treated) labelled)"),
            "\(status.standardOutput)")
        // The same numbers as gbstats fed by pandas from the same log and outcome files.
        let json = try await kite(["ab", "status", "gbdt-vs-logistic", "--json"])
        try json.standardOutput.write(toFile: directory.file("kite.json"), atomically: true, encoding: .utf8)
        let peer = try await Subprocess.run(
            TestEnvironment.python,
            [TestEnvironment.peerScript("ab_peer.py"), "analyze", project + "/data", "fraud", "gbdt-vs-logistic", "control,treatment"])
        #expect(peer.status == 0, "\(peer.standardError)")
        try String(peer.standardOutput.split(separator: "\n").last ?? "").write(toFile: directory.file("peer.json"), atomically: true, encoding: .utf8)
        let compared = try await Subprocess.run(
            TestEnvironment.python, [TestEnvironment.peerScript("ab_peer.py"), "compare", directory.file("kite.json"), directory.file("peer.json")])
        #expect(compared.status == 0 && compared.standardOutput.contains("equal"), "\(compared.standardError)\(json.standardOutput)")

        let promoted = try await kite(["ab", "promote", "gbdt-vs-logistic", "treatment"])
        #expect(promoted.status == 0 && promoted.standardOutput.contains("champion → version 1"), "\(promoted.standardError)")
        #expect(try await kite(["ab", "list"]).standardOutput.contains("stopped"))
        #expect(try await kite(["models", "show", "fraud"]).standardOutput.contains("champion"))

        // experiments/*.yaml through kite apply: checked together, nothing saved unless every file is valid.
        try FileManager.default.createDirectory(atPath: project + "/experiments", withIntermediateDirectories: true)
        func experimentFile(_ key: String, status: String) -> String {
            """
            key: \(key)
            model: fraud
            unit: customer_id
            status: \(status)
            variants:
              - {name: control, model: v1, weight: 0.5}
              - {name: treatment, model: v2, weight: 0.5}
            """
        }
        try experimentFile("apply-a", status: "running").write(toFile: project + "/experiments/a.yaml", atomically: true, encoding: .utf8)
        try experimentFile("apply-b", status: "running").write(toFile: project + "/experiments/b.yaml", atomically: true, encoding: .utf8)
        let clash = try await kite(["apply"])
        #expect(clash.status != 0 && clash.standardError.contains("both run on model 'fraud'"), "\(clash.standardError)")
        #expect(!(try await kite(["ab", "list"]).standardOutput.contains("apply-a")))
        try experimentFile("apply-b", status: "draft").write(toFile: project + "/experiments/b.yaml", atomically: true, encoding: .utf8)
        let applied = try await kite(["apply"])
        #expect(
            applied.status == 0 && applied.standardOutput.contains("experiments: apply-a (running), apply-b (draft)"),
            "\(applied.standardOutput)\(applied.standardError)")
        let listed = try await kite(["ab", "list"]).standardOutput
        #expect(listed.split(separator: "\n").contains { $0.contains("apply-a") && $0.contains("running") }, "\(listed)")
    }
}
