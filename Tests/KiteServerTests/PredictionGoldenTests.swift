import Foundation
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import KiteTesting
import Learning
import Logging
import ObjectStorage
import Registry
import Testing

/// The exact JSON of each prediction shape — Kite's, the Open Inference Protocol's and MLflow's — for a logistic
/// regression small enough to check by hand: p = 1 / (1 + e^−(0.5·amount − 0.25·count − 1)).
@Suite struct PredictionGoldenTests {
    /// A registry with `golden` v1 (aliased champion) and an artifact store holding its model file.
    private func withGoldenModel(_ body: @Sendable (String, any ObjectStore) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let url = "sqlite:\(directory.file("registry.db"))"
        let artifacts = try LocalObjectStore(root: directory.file("artifacts"), create: true)
        let frame = try DataFrame([("amount", .float64s([1, 2])), ("count", .int64s([0, 1]))])
        let model = ModelFile(
            signature: .init(
                inputs: [.init(name: "amount", type: .float64, nullable: false), .init(name: "count", type: .int64, nullable: false)],
                featureService: nil, label: "is_fraud", task: .binary),
            preprocessor: try Preprocessor.fit([], features: ["amount", "count"], on: frame),
            learner: .linear(LinearModel(kind: .logistic, weights: [0.5, -0.25], intercept: -1)))
        try await artifacts.put("models/golden/model.json", bytes: Array(try model.encoded()))
        try await RegistryStore.withStore(url: url, logger: Logger(label: "test")) { registry in
            _ = try await registry.createRegisteredModel(name: "golden")
            _ = try await registry.createModelVersion(name: "golden", source: "mlflow-artifacts:/models/golden")
            try await registry.setAlias(name: "golden", alias: "champion", version: "1")
        }
        try await body(url, artifacts)
        _ = directory
    }

    private func text(_ client: any TestClientProtocol, _ path: String, _ body: String) async throws -> String {
        try await client.execute(uri: path, method: .post, body: .init(string: body)) { String(buffer: $0.body) }
    }

    @Test func everyShapeAnswersTheGoldenJSON() async throws {
        // 0.5·2 − 0.25·4 − 1 = −1 → 0.2689414213699951; 0.5·10 − 1 = 4 → 0.9820137900379085.
        let (low, high) = (1 / (1 + exp(1.0)), 1 / (1 + exp(-4.0)))
        #expect(abs(low - 0.2689414213699951) < 1e-15 && abs(high - 0.9820137900379085) < 1e-15)
        try await withGoldenModel { url, artifacts in
            try await TestServer.run(registryURL: url, objects: artifacts, models: ["golden@champion"]) { client in
                let kite = try await text(
                    client, "/v1/models/golden/predict", #"{"id": "g1", "rows": [{"amount": 2, "count": 4}, {"amount": 10.0, "count": 0}]}"#)
                #expect(
                    kite
                        == #"{"id":"g1","model_name":"golden","model_version":"1","predictions":[{"prediction":0,"probability":0.2689414213699951},{"prediction":1,"probability":0.9820137900379085}]}"#
                )
                let v2 = try await text(
                    client, "/v2/models/golden/infer",
                    #"{"id": "g2", "inputs": [{"name": "amount", "shape": [2, 1], "datatype": "FP64", "data": [[2.0], [10.0]]}, {"name": "count", "shape": [2], "datatype": "INT64", "data": [4, 0]}]}"#
                )
                #expect(
                    v2
                        == #"{"model_name":"golden","model_version":"1","id":"g2","outputs":[{"name":"probability","datatype":"FP64","shape":[2],"data":[0.2689414213699951,0.9820137900379085]},{"name":"prediction","datatype":"INT64","shape":[2],"data":[0,1]}]}"#
                )
                let mlflow = try await text(client, "/invocations", #"{"dataframe_records": [{"amount": 2, "count": 4}, {"amount": 10, "count": 0}]}"#)
                #expect(
                    mlflow == #"{"predictions":[{"prediction":0,"probability":0.2689414213699951},{"prediction":1,"probability":0.9820137900379085}]}"#)
                let metadata = try await client.execute(uri: "/v2/models/golden", method: .get) { String(buffer: $0.body) }
                #expect(
                    metadata
                        == #"{"name":"golden","versions":["1"],"platform":"kite","inputs":[{"name":"amount","datatype":"FP64","shape":[-1]},{"name":"count","datatype":"INT64","shape":[-1]}],"outputs":[{"name":"probability","datatype":"FP64","shape":[-1]},{"name":"prediction","datatype":"INT64","shape":[-1]}]}"#
                )
            }
        }
    }
}
