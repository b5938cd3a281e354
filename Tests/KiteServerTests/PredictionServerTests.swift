import ABTesting
import Features
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import KiteTesting
import Learning
import Logging
import ObjectStorage
import Registry
import Serving
import Synchronization
import Testing
import Training

/// Predictions on `kite serve`, in process: the fraud example's GBDT (fraud v1, fraud@champion) and logistic
/// regression (v2) trained from its feature service, served with features from the embedded online store.
@Suite struct PredictionServerTests {
    /// The project with both models trained, made once per test process (training is the slow part) and copied
    /// for each test.
    private static let template = Task { () throws -> (TemporaryDirectory, String) in
        // The folder lives as long as this task's value: for the whole test process.
        let directory = try TemporaryDirectory()
        let folder = directory.file("fraud")
        try await FraudProject.create(rows: 6_000, at: folder)
        let project = try ProjectConfiguration.load(folder: folder)
        let artifacts = try LocalObjectStore(root: folder + "/served-artifacts", create: true)
        let logger = Logger(label: "test")
        try await S3Client.with(configuration: S3Configuration(), logger: logger) { s3 in
            try await RegistryStore.withStore(url: project.registryURL, logger: logger) { registry in
                for learner in ["gbdt", "logistic"] {
                    // The example's gates compare with a champion; these tests register both versions regardless.
                    let path = folder + "/train/\(learner).yaml"
                    let text = try String(contentsOfFile: path, encoding: .utf8)
                    try text.components(separatedBy: "gates:")[0].write(toFile: path, atomically: true, encoding: .utf8)
                    let job = TrainingJob(configuration: try TrainingConfiguration.load(path: path), project: project, s3: s3)
                    _ = try await job.run(registry: registry, artifacts: ArtifactStore(objects: artifacts))
                }
                try await registry.setAlias(name: "fraud", alias: "champion", version: "1")
            }
        }
        return (directory, folder)
    }

    /// A copy of the trained project; `body` also gets its artifact store.
    private func withModels(_ body: (FraudProject, any ObjectStore) async throws -> Void) async throws {
        let (_, template) = try await Self.template.value
        let directory = try TemporaryDirectory()
        let folder = directory.file("fraud")
        try FileManager.default.copyItem(atPath: template, toPath: folder)
        try await FraudProject.with(folder: folder) { project in
            try await body(project, try LocalObjectStore(root: folder + "/served-artifacts"))
        }
        _ = directory
    }

    private func serve(
        _ project: FraudProject, _ artifacts: any ObjectStore, models: [String] = ["fraud@champion"], reloadInterval: Duration = .seconds(2),
        log: PredictionLog? = nil, shadowCapacity: Int = ShadowScoring.defaultCapacity, testing: TestingSetup = .router,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await TestServer.run(
            registryURL: project.configuration.registryURL, objects: artifacts,
            features: FeatureServing(project: project.configuration, online: project.online, offline: project.offline), models: models,
            reloadInterval: reloadInterval, predictionLog: log, clock: .fixed(FraudProject.now), shadowCapacity: shadowCapacity, testing: testing, body)
    }

    /// The served model file, as the batch path loads it.
    private func model(_ project: FraudProject, _ artifacts: any ObjectStore, version: String) async throws -> ModelFile {
        try await RegistryStore.withStore(url: project.configuration.registryURL, logger: Logger(label: "test")) { registry in
            let found = try await registry.modelVersion(name: "fraud", version: version)
            return try await ModelLoader.model(of: found, reference: "fraud@v\(version)", registry: registry, artifacts: ArtifactStore(objects: artifacts))
        }
    }

    /// Entity keys in, features from the online store, and the same probabilities as batch scoring of those
    /// features, bit for bit — through Kite's endpoint, the Open Inference Protocol and MLflow's /invocations.
    @Test func everyEndpointAgreesWithBatchScoring() async throws {
        try await withModels { project, artifacts in
            let gbdt = try await model(project, artifacts, version: "1")
            let customers = (1...12).map { Int64($0 * 7) }
            try await serve(project, artifacts) { client in
                let request = """
                    {"entities": {"customer_id": \(customers), "merchant_id": \(customers.map { $0 % 40 + 1 })},
                     "request": {"amount": \(customers.map { Double($0) * 3.5 })}, "return_features": true}
                    """
                let (status, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", request)
                #expect(status == 200, "\(answer.text)")
                #expect(answer["model_name"] == .string("fraud") && answer["model_version"] == .string("1"))
                guard case .array(let predictions)? = answer["predictions"] else {
                    Issue.record("no predictions: \(answer)")
                    return
                }
                #expect(predictions.count == customers.count)

                // The features the server used, as a frame in the model's input order, scored by the batch path.
                let inputs = gbdt.signature.inputs
                let values: [[Scalar]] = try inputs.map { input in
                    try predictions.map { row -> Scalar in
                        guard let value = row["features"]?[input.name]?["value"] else { throw KiteError.invalidArgument("no \(input.name) in \(row)") }
                        return try scalar(value)
                    }
                }
                let frame = try DataFrame(zip(inputs, values).map { ($0.name, try DataColumn(scalars: $1, type: $0.type)) })
                guard case .binary(let expected, let classes) = try BatchScorer(model: gbdt).predictions(frame) else {
                    Issue.record("the fraud model is binary")
                    return
                }
                #expect(predictions.map { $0["probability"] } == expected.map { .number($0) })
                #expect(predictions.map { $0["prediction"] } == classes.map { .integer($0) })
                #expect(predictions.first?["features"]?["amount"]?["status"] == .string("REQUEST"))

                // The same rows as whole rows, as V2 tensors and as MLflow's dataframe_split.
                let rows = JSONValue.array((0..<customers.count).map { row in .object(inputs.indices.map { (inputs[$0].name, json(values[$0][row])) }) })
                let (rowsStatus, byRows) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", #"{"rows": \#(rows.text)}"#)
                #expect(rowsStatus == 200 && byRows["predictions"].map(probabilities) == expected, "\(byRows)")

                let tensors = JSONValue.array(
                    inputs.indices.map { index in
                        .object([
                            ("name", .string(inputs[index].name)), ("shape", .array([.integer(Int64(customers.count))])),
                            ("datatype", .string(inputs[index].type == .float64 ? "FP64" : inputs[index].type == .string ? "BYTES" : "INT64")),
                            ("data", .array(values[index].map(json))),
                        ])
                    })
                let (v2Status, v2) = try await TestServer.call(client, .post, "/v2/models/fraud/infer", #"{"id": "r1", "inputs": \#(tensors.text)}"#)
                #expect(v2Status == 200, "\(v2)")
                #expect(v2["model_version"] == .string("1") && v2["id"] == .string("r1"))
                guard case .array(let outputs)? = v2["outputs"] else {
                    Issue.record("no outputs: \(v2)")
                    return
                }
                #expect(outputs.map { $0["name"] } == [.string("probability"), .string("prediction")])
                #expect(outputs.first?["data"] == .array(expected.map { .number($0) }) && outputs.first?["datatype"] == .string("FP64"))
                let (v2Versioned, _) = try await TestServer.call(client, .post, "/v2/models/fraud/versions/1/infer", #"{"inputs": \#(tensors.text)}"#)
                #expect(v2Versioned == 200)

                let split = JSONValue.object([
                    ("columns", .array(inputs.map { .string($0.name) })),
                    ("data", .array((0..<customers.count).map { row in .array(inputs.indices.map { json(values[$0][row]) }) })),
                ])
                let (mlflowStatus, mlflow) = try await TestServer.call(client, .post, "/invocations", #"{"dataframe_split": \#(split.text)}"#)
                #expect(mlflowStatus == 200 && mlflow["predictions"].map(probabilities) == expected, "\(mlflow)")
            }
        }
    }

    /// Triton's own HTTP client, unchanged: health, metadata, and inference with binary tensors (its default) and
    /// with JSON, answering what batch scoring answers for the same rows, bit for bit.
    @Test func tritonClientInfers() async throws {
        try await withModels { project, artifacts in
            let gbdt = try await model(project, artifacts, version: "1")
            let customers = (1...8).map { Int64($0 * 11) }
            try await serve(project, artifacts, testing: .live) { client in
                let request = """
                    {"entities": {"customer_id": \(customers), "merchant_id": \(customers.map { $0 % 40 + 1 })},
                     "request": {"amount": \(customers.map { Double($0) * 2.5 })}, "return_features": true}
                    """
                let (_, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", request)
                guard case .array(let predictions)? = answer["predictions"] else {
                    Issue.record("no predictions: \(answer.text)")
                    return
                }
                let inputs = gbdt.signature.inputs
                let rows = JSONValue.object(
                    inputs.map { input in (input.name, .array(predictions.map { $0["features"]?[input.name]?["value"] ?? .null })) })
                let file = project.folder + "/triton-rows.json"
                try rows.text.write(toFile: file, atomically: true, encoding: .utf8)
                let port = try #require(client.port)
                let run = try await Subprocess.run(
                    TestEnvironment.python, [TestEnvironment.peerScript("tritonclient_peer.py"), "127.0.0.1:\(port)", "fraud", file])
                #expect(run.status == 0, "\(run.standardError)")
                let peer = try JSONValue.parse(Array(run.standardOutput.utf8))
                #expect(peer["inputs"] == .array(inputs.map { .string($0.name) }))
                let frame = try DataFrame(
                    try inputs.map { input in
                        (input.name, try DataColumn(scalars: predictions.map { try scalar($0["features"]?[input.name]?["value"] ?? .null) }, type: input.type))
                    })
                guard case .binary(let expected, let classes) = try BatchScorer(model: gbdt).predictions(frame) else { return }
                for mode in ["binary", "json"] {
                    #expect(peer[mode]?["version"] == .string("1"))
                    #expect(peer[mode]?["outputs"]?["probability"] == .array(expected.map { .number($0) }), "\(mode): \(peer.text)")
                    #expect(peer[mode]?["outputs"]?["prediction"] == .array(classes.map { .integer($0) }), "\(mode): \(peer.text)")
                }
            }
        }
    }

    /// Every answered prediction lands in the prediction log's Parquet files (written on shutdown at the latest),
    /// partitioned by model and date, as pyarrow reads them; `/metrics` counts requests and times their parts.
    @Test func predictionsAreLoggedAndMeasured() async throws {
        try await withModels { project, artifacts in
            let folder = project.folder + "/prediction-log"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let log = try PredictionLog(store: try LocalObjectStore(root: folder), flushInterval: .seconds(60), logger: Logger(label: "test"))
            let answered = Mutex<[Double]>([])
            try await serve(project, artifacts, log: log) { client in
                for index in 0..<3 {
                    let body = """
                        {"id": "req-\(index)", "entities": {"customer_id": [\(index + 7), \(index + 20)], "merchant_id": [3, 4]},
                         "request": {"amount": [12.5, 99.0]}}
                        """
                    let (status, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", body)
                    #expect(status == 200, "\(answer.text)")
                    answered.withLock { $0 += probabilitiesOf(answer["predictions"]) }
                }
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains(#"kite_prediction_requests_total{model="fraud",version="1"} 3"#), "\(metrics)")
                #expect(metrics.contains(#"kite_predictions_total{model="fraud",version="1"} 6"#))
                #expect(metrics.contains(#"kite_prediction_duration_seconds_bucket{model="fraud",version="1",part="model",le="0.00001"}"#))
                #expect(metrics.contains("kite_prediction_log_buffered_records 6.0"), "\(metrics)")
            }
            #expect(log.statistics == PredictionLog.Statistics(written: 6, dropped: 0, buffered: 0))
            let script = """
                import json, sys, pyarrow.dataset as ds
                table = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table().sort_by([("request_id", "ascending"), ("probability", "ascending")])
                print(json.dumps({"columns": table.column_names, "rows": table.to_pylist()}, default=str))
                """
            let run = try await Subprocess.run(TestEnvironment.python, ["-c", script, folder])
            #expect(run.status == 0, "\(run.standardError)")
            let read = try JSONValue.parse(Array(run.standardOutput.utf8))
            guard case .array(let rows)? = read["rows"] else {
                Issue.record("pyarrow read nothing: \(run.standardOutput)")
                return
            }
            #expect(rows.count == 6)
            #expect(Set(rows.compactMap { if case .string(let id)? = $0["request_id"] { id } else { nil } }) == ["req-0", "req-1", "req-2"])
            #expect(rows.allSatisfy { $0["model"] == .string("fraud") && $0["model_version"] == .integer(1) && $0["date"] != nil })
            #expect(
                rows.first?["entities"] == .string(#"{"customer_id":7,"merchant_id":3}"#)
                    || rows.first?["entities"] == .string(#"{"customer_id":20,"merchant_id":4}"#))
            let logged = Set(rows.compactMap { if case .number(let p)? = $0["probability"] { p } else { nil } })
            #expect(logged == Set(answered.withLock { $0 }), "\(logged)")
            #expect(read["columns"]?.text.contains(#""spend_7d""#) == true, "\(read["columns"]?.text ?? "")")
            // Each row records the request's latency and its two stages, which add up to it.
            func micros(_ row: JSONValue, _ key: String) -> Int64 { if case .integer(let value)? = row[key] { value } else { -1 } }
            #expect(
                rows.allSatisfy { row in
                    let (total, features, scoring) = (micros(row, "latency_us"), micros(row, "features_us"), micros(row, "scoring_us"))
                    return total > 0 && features >= 0 && scoring >= 0 && abs(features + scoring - total) <= 1
                }, "\(rows.first?.text ?? "")")
        }
    }

    /// A store that cannot be written and a full buffer cost log records, never predictions; both are counted.
    @Test func aFailingLogNeverFailsAPrediction() async throws {
        try await withModels { project, artifacts in
            let folder = project.folder + "/broken-log"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let log = try PredictionLog(store: try LocalObjectStore(root: folder), capacity: 3, flushInterval: .seconds(60), logger: Logger(label: "test"))
            // The folder becomes a file: every write under it fails.
            try FileManager.default.removeItem(atPath: folder)
            try "not a folder".write(toFile: folder, atomically: true, encoding: .utf8)
            try await serve(project, artifacts, log: log) { client in
                for _ in 0..<2 {
                    let body = #"{"entities": {"customer_id": [7, 8], "merchant_id": [3, 4]}, "request": {"amount": [12.5, 99.0]}}"#
                    #expect(try await TestServer.call(client, .post, "/v1/models/fraud/predict", body).0 == 200)
                }
                await log.flush()
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains("kite_prediction_log_dropped_records 4.0"), "\(metrics)")
            }
            #expect(log.statistics == PredictionLog.Statistics(written: 0, dropped: 4, buffered: 0))
        }
    }

    /// Schemathesis (from PyPI) fuzzes every operation of `/openapi.json` on the running server: no 5xx, and every
    /// answer has a documented status, content type and schema.
    @Test func schemathesisFindsNoServerErrorsOrSchemaViolations() async throws {
        try await withModels { project, artifacts in
            try await serve(project, artifacts, testing: .live) { client in
                let (status, document) = try await TestServer.call(client, .get, "/openapi.json")
                #expect(status == 200 && document["openapi"] == .string("3.1.0"))
                #expect(document["paths"]?["/v1/models/{name}/predict"] != nil && document["paths"]?["/v2/models/{name}/infer"] != nil)
                let port = try #require(client.port)
                let schemathesis = URL(fileURLWithPath: TestEnvironment.python).deletingLastPathComponent().appendingPathComponent("st").path
                let run = try await Subprocess.run(
                    schemathesis,
                    [
                        "run", "http://127.0.0.1:\(port)/openapi.json", "--checks",
                        "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance", "--max-examples", "25",
                        "--seed", "7", "--no-color",
                    ])
                #expect(run.status == 0, "\(run.standardOutput.suffix(4000))\n\(run.standardError.suffix(2000))")
                #expect(run.standardOutput.contains("passed"), "\(run.standardOutput.suffix(2000))")
            }
        }
    }

    /// A running experiment routes each row by its unit as GrowthBook would (control: v1, treatment: v2); a header
    /// forces a variant (logged as forced); shadows are logged and never returned; the log records every assignment.
    @Test func experimentsRouteRowsByUnit() async throws {
        try await withModels { project, artifacts in
            let definition = try ExperimentDefinition(
                key: "gbdt-vs-logistic", model: "fraud",
                variants: [.init(name: "control", model: "champion", weight: 0.5), .init(name: "treatment", model: "v2", weight: 0.5)],
                unit: "customer_id", status: .running, shadows: ["v2"])
            try await RegistryStore.withStore(url: project.configuration.registryURL, logger: Logger(label: "test")) { registry in
                try await ExperimentStore(registry: registry).save(definition)
            }
            let folder = project.folder + "/experiment-log"
            let log = try PredictionLog(store: try LocalObjectStore(root: folder, create: true), flushInterval: .seconds(60), logger: Logger(label: "test"))
            let customers = Array(1...30)
            let split = try definition.split
            try await serve(project, artifacts, log: log) { client in
                let body = """
                    {"entities": {"customer_id": \(customers), "merchant_id": \(customers.map { $0 % 40 + 1 })}, "request": {"amount": \(customers.map { Double($0) })}}
                    """
                let (status, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", body)
                #expect(status == 200 && answer["experiment"] == .string("gbdt-vs-logistic"), "\(answer.text)")
                guard case .array(let rows)? = answer["predictions"] else { return }
                let expected = customers.map { split.variant(of: String($0)).map { definition.variants[$0].name } }
                #expect(rows.map { row -> String? in if case .string(let v)? = row["variant"] { v } else { nil } } == expected)
                #expect(rows.allSatisfy { ($0["variant"] == .string("control")) == ($0["model_version"] == .string("1")) })
                #expect(Set(expected.compactMap { $0 }) == ["control", "treatment"])

                let forced = try await client.execute(
                    uri: "/v1/models/fraud/predict", method: .post, headers: [HTTPField.Name("X-Kite-Variant")!: "treatment"],
                    body: .init(string: #"{"entities": {"customer_id": [1, 2], "merchant_id": [1, 1]}, "request": {"amount": [5.0, 6.0]}}"#)
                ) { try JSONValue.parse(Array(buffer: $0.body)) }
                #expect(forced["predictions"]?.text.components(separatedBy: #""variant":"treatment""#).count == 3, "\(forced.text)")
                let unknown = try await client.execute(
                    uri: "/v1/models/fraud/predict", method: .post, headers: [HTTPField.Name("X-Kite-Variant")!: "nope"],
                    body: .init(string: #"{"entities": {"customer_id": [1], "merchant_id": [1]}, "request": {"amount": [5.0]}}"#)
                ) { $0.status }
                #expect(unknown == .badRequest)
                let (noUnit, refused) = try await TestServer.call(
                    client, .post, "/v1/models/fraud/predict", #"{"entities": {"merchant_id": [1]}, "request": {"amount": [5.0]}}"#)
                #expect(noUnit == 400 && refused["error"]?["message"]?.text.contains("assigns by 'customer_id'") == true, "\(refused.text)")
                // No wait for the shadows: they score after the answers, and at the latest when the server shuts down.
            }
            let script = """
                import collections, json, sys, pyarrow.dataset as ds
                rows = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table().to_pylist()
                count = lambda f: sum(1 for r in rows if f(r))
                key = lambda r: (r["request_id"], r["entities"])
                answered = {key(r): r for r in rows if not r["shadow"]}
                pairs = [(r, answered[key(r)]) for r in rows if r["shadow"]]
                answer_only = {"timestamp", "model_version", "prediction", "probability", "latency_us", "features_us", "scoring_us", "variant", "forced", "shadow"}
                print(json.dumps({"rows": len(rows), "shadow": count(lambda r: r["shadow"]), "forced": count(lambda r: r["forced"]),
                                  "control": count(lambda r: r["variant"] == "control" and not r["shadow"]),
                                  "treatment": count(lambda r: r["variant"] == "treatment" and not r["shadow"]),
                                  "experiment": sorted({r["experiment"] for r in rows if r["experiment"]}),
                                  # Batched across requests, each shadow row keeps its own request's id.
                                  "shadowed": sorted(collections.Counter(r["request_id"] for r in rows if r["shadow"]).values()),
                                  "same_ids": sorted(r["request_id"] for r in rows if r["shadow"]) == sorted(r["request_id"] for r in rows if not r["shadow"]),
                                  # The shadow scored the inputs its row was answered with; where v2 answered, the same way.
                                  "same_inputs": all(all(a[k] == v for k, v in s.items() if k not in answer_only and v is not None) for s, a in pairs),
                                  "same_as_treatment": count(lambda r: r["shadow"] and answered[key(r)]["variant"] == "treatment"
                                                                   and r["probability"] == answered[key(r)]["probability"])}))
                """
            let read = try await Subprocess.run(TestEnvironment.python, ["-c", script, folder])
            let counts = try JSONValue.parse(Array(read.standardOutput.utf8))
            let control = customers.filter { split.variant(of: String($0)) == 0 }.count
            let treatment = customers.filter { split.variant(of: String($0)) == 1 }.count
            #expect(counts["control"] == .integer(Int64(control)) && counts["treatment"] == .integer(Int64(treatment + 2)), "\(counts.text)")
            #expect(counts["forced"] == .integer(2) && counts["shadow"] == .integer(32), "\(counts.text)")
            #expect(counts["experiment"] == .array([.string("gbdt-vs-logistic")]))
            #expect(counts["shadowed"] == .array([.integer(2), .integer(30)]) && counts["same_ids"] == .bool(true), "\(counts.text)")
            #expect(counts["same_inputs"] == .bool(true) && counts["same_as_treatment"] == .integer(Int64(treatment + 2)), "\(counts.text)")
        }
    }

    /// A full shadow queue drops rows instead of growing: with room for 20 rows, a request of 30 is answered in full,
    /// its shadow rows are dropped and counted on /metrics, and a request of 10 still gets its shadow.
    @Test func aFullShadowQueueDropsAndCountsRows() async throws {
        try await withModels { project, artifacts in
            let definition = try ExperimentDefinition(
                key: "shadowed", model: "fraud",
                variants: [.init(name: "control", model: "champion", weight: 0.5), .init(name: "treatment", model: "v2", weight: 0.5)], unit: "customer_id",
                status: .running, shadows: ["v2"])
            try await RegistryStore.withStore(url: project.configuration.registryURL, logger: Logger(label: "test")) { registry in
                try await ExperimentStore(registry: registry).save(definition)
            }
            let folder = project.folder + "/shadow-log"
            let log = try PredictionLog(store: try LocalObjectStore(root: folder, create: true), flushInterval: .seconds(60), logger: Logger(label: "test"))
            try await serve(project, artifacts, log: log, shadowCapacity: 20) { client in
                for rows in [30, 10] {
                    let customers = Array(1...rows)
                    let body = """
                        {"entities": {"customer_id": \(customers), "merchant_id": \(customers.map { $0 % 40 + 1 })}, "request": {"amount": \(customers.map { Double($0) })}}
                        """
                    let (status, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", body)
                    #expect(status == 200 && answer["predictions"]?.text.components(separatedBy: "\"variant\"").count == rows + 1, "\(answer.text)")
                }
                let metrics = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
                #expect(metrics.contains("kite_shadow_rows_dropped_rows 30"), "\(metrics)")
            }
            let script = """
                import json, sys, pyarrow.dataset as ds
                rows = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table().to_pylist()
                print(json.dumps({"answered": sum(1 for r in rows if not r["shadow"]), "shadow": sum(1 for r in rows if r["shadow"])}))
                """
            let read = try await Subprocess.run(TestEnvironment.python, ["-c", script, folder])
            let counts = try JSONValue.parse(Array(read.standardOutput.utf8))
            #expect(counts["answered"] == .integer(40) && counts["shadow"] == .integer(10), "\(counts.text)")
        }
    }

    /// Experiments over HTTP: created (bad ones refused), started, routed, outcomes posted, results read.
    @Test func experimentsOverHTTP() async throws {
        try await withModels { project, artifacts in
            let log = try PredictionLog(store: project.offline, flushInterval: .seconds(60), logger: Logger(label: "test"))
            try await serve(project, artifacts, log: log) { client in
                let bad =
                    #"{"key": "e1", "model": "fraud", "unit": "customer_id", "variants": [{"name": "a", "model": "v1", "weight": 0.5}, {"name": "b", "model": "v2", "weight": 0.7}]}"#
                let (badStatus, badAnswer) = try await TestServer.call(client, .post, "/v1/experiments", bad)
                #expect(badStatus == 400 && badAnswer["error"]?["message"]?.text.contains("sum to 1") == true, "\(badAnswer.text)")
                let unknownVersion = bad.replacingOccurrences(of: "0.7", with: "0.5").replacingOccurrences(of: "\"v2\"", with: "\"v9\"")
                #expect(try await TestServer.call(client, .post, "/v1/experiments", unknownVersion).0 == 404)
                let good = bad.replacingOccurrences(of: "0.7", with: "0.5").replacingOccurrences(
                    of: "\"variants\"", with: #""metrics": ["converted"], "variants""#)
                let (created, experiment) = try await TestServer.call(client, .post, "/v1/experiments", good)
                #expect(created == 200 && experiment["status"] == .string("draft") && experiment["seed"] == .string("e1"), "\(experiment.text)")
                #expect(try await TestServer.call(client, .post, "/v1/experiments/e1/start", "{}").1["status"] == .string("running"))
                let second = good.replacingOccurrences(of: #""key": "e1""#, with: #""key": "e2""#).replacingOccurrences(
                    of: #""unit""#, with: #""status": "running", "unit""#)
                let (conflict, conflictAnswer) = try await TestServer.call(client, .post, "/v1/experiments", second)
                #expect(
                    conflict == 400 && conflictAnswer["error"]?["message"]?.text.contains("already has a running experiment 'e1'") == true,
                    "\(conflictAnswer.text)")
                let customers = Array(1...40)
                let body =
                    #"{"entities": {"customer_id": \#(customers), "merchant_id": \#(customers.map { $0 % 40 + 1 })}, "request": {"amount": \#(customers.map { Double($0) })}}"#
                // The host notices the experiment within its reload interval (2 s; longer on a loaded machine).
                var (_, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", body)
                for _ in 0..<100 where answer["experiment"] != .string("e1") {
                    try await Task.sleep(for: .milliseconds(100))
                    (_, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", body)
                }
                guard case .array(let rows)? = answer["predictions"] else {
                    Issue.record("\(answer.text)")
                    return
                }
                let variants = rows.map { $0["variant"]?.text ?? "" }
                #expect(answer["experiment"] == .string("e1") && Set(variants) == [#""a""#, #""b""#], "\(answer.text)")
                // Every third customer converts.
                let values = customers.map { $0 % 3 == 0 ? 1.0 : 0.0 }
                let outcomes =
                    #"{"experiment": "e1", "outcomes": {"customer_id": \#(customers), "metric": [\#(customers.map { _ in #""converted""# }.joined(separator: ","))], "value": \#(values)}}"#
                let (stored, storedAnswer) = try await TestServer.call(client, .post, "/v1/outcomes", outcomes)
                #expect(stored == 200 && storedAnswer["stored"] == .integer(40), "\(storedAnswer.text)")
                #expect(try await TestServer.call(client, .post, "/v1/outcomes", #"{"experiment": "nope", "outcomes": {"customer_id": [1]}}"#).0 == 404)
                await log.flush()

                let (_, results) = try await TestServer.call(client, .get, "/v1/experiments/e1/results")
                let a = customers.indices.filter { variants[$0] == #""a""# }
                let b = customers.indices.filter { variants[$0] == #""b""# }
                #expect(results["units"] == .object([("a", .integer(Int64(a.count))), ("b", .integer(Int64(b.count)))]), "\(results.text)")
                let expected = FrequentistTest().compare(
                    control: .proportion(n: a.count, sum: a.map { values[$0] }.reduce(0, +)),
                    variant: .proportion(n: b.count, sum: b.map { values[$0] }.reduce(0, +)))
                guard case .array(let metrics)? = results["metrics"], case .array(let rowsOfMetric)? = metrics.first?["variants"] else {
                    Issue.record("\(results.text)")
                    return
                }
                #expect(metrics.first?["metric"] == .string("converted"))
                #expect(rowsOfMetric.last?["frequentist"]?["p_value"] == .number(expected.pValue), "\(results.text)")
                #expect(rowsOfMetric.last?["bayesian"]?["chance_to_win"] != nil)
                #expect(try await TestServer.call(client, .post, "/v1/experiments/e1/stop", "{}").1["status"] == .string("stopped"))
            }
        }
    }

    /// The Open Inference Protocol's health and metadata, and Kite's model listing.
    @Test func healthAndMetadata() async throws {
        try await withModels { project, artifacts in
            try await serve(project, artifacts) { client in
                #expect(try await TestServer.call(client, .get, "/v2/health/live").1 == .object([("live", .bool(true))]))
                #expect(try await TestServer.call(client, .get, "/v2/health/ready").0 == 200)
                #expect(try await TestServer.call(client, .get, "/v2/models/fraud/ready").1["ready"] == .bool(true))
                #expect(try await TestServer.call(client, .get, "/v2/models/fraud/versions/2/ready").0 == 404)
                let (status, metadata) = try await TestServer.call(client, .get, "/v2/models/fraud")
                #expect(status == 200 && metadata["versions"] == .array([.string("1")]) && metadata["platform"] == .string("kite"))
                #expect(metadata["outputs"].map { if case .array(let items) = $0 { items.count } else { 0 } } == 2)
                #expect(try await TestServer.call(client, .get, "/v2").1["name"] == .string("kite"))
                let (_, listed) = try await TestServer.call(client, .get, "/v1/models")
                #expect(listed["models"]?.text.contains(#""tag":"champion""#) == true)
                let ping = try await client.execute(uri: "/ping", method: .get) { $0.status }
                #expect(ping == .ok)
            }
        }
    }

    /// Bad requests get 4xx answers with JSON bodies in each family's format, never a 500.
    @Test func badInputIsRefusedClearly() async throws {
        try await withModels { project, artifacts in
            try await serve(project, artifacts) { client in
                let cases: [(String, String, String?, Int)] = [
                    ("/v1/models/nope/predict", #"{"rows": [{"amount": 1}]}"#, "no model 'nope'", 404),
                    ("/v1/models/fraud/predict", "", "give 'entities'", 400),
                    ("/v1/models/fraud/predict", "{", "malformed JSON", 400),
                    ("/v1/models/fraud/predict", #"{"rows": []}"#, "no rows", 400),
                    ("/v1/models/fraud/predict", #"{"rows": [{"amount": "lots"}]}"#, "amount", 400),
                    ("/v1/models/fraud/predict", #"{"entities": {"customer_id": [1, 2]}, "request": {"amount": [1.0]}}"#, "values", 400),
                    ("/v1/models/fraud/predict", #"{"entities": {"merchant_id": [1]}, "request": {"amount": [1.0]}}"#, "customer_id", 400),
                    ("/v2/models/fraud/infer", #"{"inputs": [{"name": "amount", "shape": [2], "datatype": "FP64", "data": [1.0]}]}"#, "shape", 400),
                    ("/v2/models/fraud/infer", #"{"inputs": [{"name": "amount", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}"#, "one column", 400),
                    ("/v2/models/fraud/infer", "{}", "'inputs'", 400),
                    ("/v2/models/nope/infer", #"{"inputs": []}"#, "no model", 404),
                    ("/invocations", #"{"columns": []}"#, "dataframe_split", 400),
                ]
                for (path, body, message, expected) in cases {
                    let (status, answer) = try await TestServer.call(client, .post, path, body)
                    let text = path.hasPrefix("/v2") ? answer["error"] : answer["error"]?["message"]
                    #expect(status == expected, "\(path) \(body): \(answer)")
                    if let message { #expect(text?.text.contains(message) == true, "\(path) \(body): \(answer)") }
                }
                // A feature the model never saw missing, missing now: 422, naming it (and the entity, when read).
                let model = try await model(project, artifacts, version: "1")
                let strict = try #require(model.signature.inputs.first { !model.acceptsMissing($0.name) })
                let unknown = #"{"entities": {"customer_id": [7, 999999], "merchant_id": [1, 1]}, "request": {"amount": [1.0, 2.0]}}"#
                let (unknownStatus, refused) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", unknown)
                #expect(unknownStatus == 422, "\(refused.text)")
                #expect(refused["error"]?["message"]?.text.contains("customer_id=999999") == true, "\(refused.text)")
                do {
                    let row = JSONValue.object(
                        model.signature.inputs.map { input in
                            let value: JSONValue =
                                input.name == strict.name ? .null : input.type == .bool ? .bool(false) : input.type == .string ? .string("a") : .integer(0)
                            return (input.name, value)
                        })
                    let (status, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", #"{"rows": [\#(row.text)]}"#)
                    #expect(status == 422 && answer["error"]?["message"]?.text.contains(strict.name) == true, "\(status) \(answer.text)")
                }
            }
        }
    }

    /// Moving fraud@champion while requests run: none fails, and after the switch every answer names version 2.
    @Test func aliasMovesUnderLoadWithoutFailures() async throws {
        try await withModels { project, artifacts in
            try await serve(project, artifacts, reloadInterval: .milliseconds(100), testing: .live) { client in
                let body = #"{"entities": {"customer_id": [7, 14], "merchant_id": [1, 2]}, "request": {"amount": [20.0, 300.0]}}"#
                let versions = try await withThrowingTaskGroup(of: [String].self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var seen: [String] = []
                            for _ in 0..<60 {
                                let (status, answer) = try await TestServer.call(client, .post, "/v1/models/fraud/predict", body)
                                guard status == 200, case .string(let version)? = answer["model_version"] else {
                                    throw KiteError.invalidArgument("a request failed during the switch: \(status) \(answer)")
                                }
                                seen.append(version)
                                try await Task.sleep(for: .milliseconds(5))
                            }
                            return seen
                        }
                    }
                    try await Task.sleep(for: .milliseconds(150))
                    try await RegistryStore.withStore(url: project.configuration.registryURL, logger: Logger(label: "test")) { registry in
                        try await registry.setAlias(name: "fraud", alias: "champion", version: "2")
                    }
                    var all: [[String]] = []
                    for try await seen in group { all.append(seen) }
                    return all
                }
                #expect(versions.allSatisfy { $0.count == 60 })
                #expect(versions.contains { $0.first == "1" }, "\(versions)")
                #expect(versions.allSatisfy { $0.last == "2" }, "\(versions)")
                // Once a client has seen version 2, it never sees version 1 again.
                #expect(versions.allSatisfy { seen in seen.drop(while: { $0 == "1" }).allSatisfy { $0 == "2" } }, "\(versions)")
            }
        }
    }
}

/// A JSON value as the scalar a request's JSON gives.
private func scalar(_ value: JSONValue) throws -> Scalar {
    switch value {
    case .null: .null
    case .bool(let flag): .bool(flag)
    case .integer(let number): .int(number)
    case .number(let number): .double(number)
    case .string(let text): .string(text)
    default: throw KiteError.invalidArgument("not a scalar: \(value)")
    }
}

/// A scalar as request JSON.
private func json(_ value: Scalar) -> JSONValue {
    switch value {
    case .int(let number): .integer(number)
    case .double(let number): .number(number)
    case .string(let text): .string(text)
    case .bool(let flag): .bool(flag)
    default: .null
    }
}

/// The `probability` of each row of a `predictions` array.
private func probabilitiesOf(_ predictions: JSONValue?) -> [Double] { predictions.map(probabilities) ?? [] }

/// The `probability` of each row of a `predictions` array.
private func probabilities(_ predictions: JSONValue) -> [Double] {
    guard case .array(let rows) = predictions else { return [] }
    return rows.compactMap { if case .number(let p)? = $0["probability"] { p } else { nil } }
}
