import Foundation
import HTTPTypes
import KiteCore
import KiteServer
import KiteTesting
import Learning
import Logging
import ObjectStorage
import Registry
import Testing
import Training

/// Imported LightGBM and XGBoost models served with `"explain": true`: the probabilities and the per-feature
/// contributions equal the libraries' own `predict` and `pred_contrib(s)`.
@Suite struct ExplanationServingTests {
    @Test(arguments: [("lightgbm", "binary"), ("xgboost", "multiclass")])
    func servedExplanationsEqualTheLibrary(library: String, objective: String) async throws {
        let rows = 40
        let folder = try TemporaryDirectory()
        let output = try Subprocess.python("import_peer.py", [library, objective, "31", String(rows), String(rows), folder.path])
        let outputs = (try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])?["outputs"] as? Int ?? 0
        let features = try folder.float64s("x.f64")
        let predicted = try folder.float64s("predicted.f64")
        let contributions = try folder.float64s("contributions.f64")
        let file = folder.file(library == "lightgbm" ? "model.txt" : "model.json")
        let registryURL = "sqlite:" + folder.file("registry.db")
        try FileManager.default.createDirectory(atPath: folder.file("artifacts"), withIntermediateDirectories: true)
        let objects = try LocalObjectStore(root: folder.file("artifacts"))
        let imported = try await RegistryStore.withStore(url: registryURL, logger: Logger(label: "test")) { registry in
            // Category codes as float64 inputs, so that the rows' fractional and negative codes reach the trees.
            let inputs = (0..<10).map { ModelFile.Signature.Input(name: "c\($0)", type: .float64) }
            return try await ModelImport(name: "imported", alias: "champion", experiment: "imports", inputs: inputs).run(
                path: file, bytes: try Data(contentsOf: URL(fileURLWithPath: file)), registry: registry, artifacts: ArtifactStore(objects: objects))
        }
        let names = imported.features
        let body =
            "{\"explain\": true, \"rows\": ["
            + (0..<rows).map { row in
                "{"
                    + names.enumerated().map { "\"\($1)\": \(features[row * 10 + $0].isNaN ? "null" : String(features[row * 10 + $0]))" }.joined(
                        separator: ", ") + "}"
            }.joined(separator: ", ") + "]}"
        try await TestServer.run(registryURL: registryURL, objects: objects, models: ["imported@champion"]) { client in
            let (status, answer) = try await TestServer.call(client, .post, "/v1/models/imported/predict", body)
            #expect(status == 200, "\(answer)")
            guard case .array(let predictions)? = answer["predictions"], predictions.count == rows else {
                Issue.record("no predictions in \(answer)")
                return
            }
            for (row, prediction) in predictions.enumerated() {
                for output in 0..<outputs {
                    let explanation = outputs == 1 ? prediction["explanation"] : prediction["explanation"]?[String(output)]
                    let probability = outputs == 1 ? prediction["probability"] : prediction["probabilities"]?[String(output)]
                    let expectedProbability = predicted[row * outputs + output]
                    #expect(PeerValue.close(number(probability), expectedProbability, tolerance: 1e-12), "row \(row): \(prediction)")
                    let base = (row * outputs + output) * 11
                    for (index, name) in names.enumerated() {
                        let value = number(explanation?["contributions"]?[name])
                        #expect(PeerValue.close(value, contributions[base + index], tolerance: 1e-9), "row \(row) \(name)")
                    }
                    #expect(PeerValue.close(number(explanation?["expected_value"]), contributions[base + 10], tolerance: 1e-9))
                }
                #expect(prediction["explanation"]?["units"] == .string(outputs == 1 ? "log_odds" : "class_score"))
            }
            // Asking a model without covers, or sending explain as a non-boolean, is a clear 400.
            let (badStatus, _) = try await TestServer.call(client, .post, "/v1/models/imported/predict", "{\"explain\": \"yes\", \"rows\": [{}]}")
            #expect(badStatus == 400)
        }
    }
}

private func number(_ value: JSONValue?) -> Double {
    switch value {
    case .number(let number)?: number
    case .integer(let number)?: Double(number)
    default: .nan
    }
}
