import Foundation
import Hummingbird
import HummingbirdTesting
import KiteCore
import KiteServer
import KiteTesting
import Logging
import NIOCore
import ObjectStorage
import Registry
import Testing

/// The MLflow REST API through Hummingbird's in-process test client: shapes, error codes and bad input.
@Suite struct MLflowAPITests {
    /// Runs `body` against a server over a fresh SQLite store and a local artifact folder (or `objects`).
    func withServer(
        objects: (any ObjectStore)? = nil, _ body: @Sendable (any TestClientProtocol, TemporaryDirectory) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory()
        let objects = try objects ?? LocalObjectStore(root: directory.file("artifacts"), create: true)
        try await TestServer.run(registryURL: "sqlite:\(directory.file("registry.db"))", objects: objects) { client in
            try await body(client, directory)
        }
    }

    func call(_ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> (Int, JSONValue) {
        try await TestServer.call(client, method, path, body)
    }

    @Test func experimentsRunsAndMetricsRoundTrip() async throws {
        try await withServer { client, _ in
            let api = "/api/2.0/mlflow"
            var (status, json) = try await call(client, .post, "\(api)/experiments/create", #"{"name": "fraud", "tags": [{"key": "team", "value": "risk"}]}"#)
            #expect(status == 200 && json["experiment_id"] == .string("1"))
            (status, json) = try await call(client, .get, "\(api)/experiments/get-by-name?experiment_name=fraud")
            #expect(json["experiment"]?["artifact_location"] == .string("mlflow-artifacts:/1"))
            (status, json) = try await call(client, .post, "\(api)/runs/create", #"{"experiment_id": "1", "run_name": "r1", "start_time": 1000}"#)
            guard case .string(let runID)? = json["run"]?["info"]?["run_id"] else {
                Issue.record("no run id in \(json.text)")
                return
            }
            #expect(json["run"]?["info"]?["run_uuid"] == .string(runID) && json["run"]?["info"]?["status"] == .string("RUNNING"))
            #expect(json["run"]?["info"]?["start_time"] == .integer(1000))
            (status, _) = try await call(
                client, .post, "\(api)/runs/log-metric", #"{"run_id": "\#(runID)", "key": "auc", "value": 0.5, "timestamp": 5, "step": 1}"#)
            #expect(status == 200)
            (status, _) = try await call(
                client, .post, "\(api)/runs/log-batch",
                #"{"run_id": "\#(runID)", "metrics": [{"key": "auc", "value": 0.75, "timestamp": 6, "step": 2}], "params": [{"key": "depth", "value": "3"}], "tags": [{"key": "t", "value": "v"}]}"#
            )
            #expect(status == 200)
            (status, json) = try await call(client, .get, "/ajax-api/2.0/mlflow/runs/get?run_uuid=\(runID)")
            #expect(
                json["run"]?["data"]?["metrics"]
                    == .array([.object(["key": .string("auc"), "value": .number(0.75), "timestamp": .integer(6), "step": .integer(2)])]))
            #expect(json["run"]?["data"]?["params"] == .array([.object(["key": .string("depth"), "value": .string("3")])]))
            (status, json) = try await call(client, .get, "\(api)/metrics/get-history?run_id=\(runID)&metric_key=auc&max_results=1")
            #expect(json["metrics"]?["value"] == nil)
            guard case .array(let first)? = json["metrics"], case .string(let token)? = json["next_page_token"] else {
                Issue.record("expected one metric and a page token: \(json.text)")
                return
            }
            #expect(first.count == 1)
            (status, json) = try await call(client, .get, "\(api)/metrics/get-history?run_id=\(runID)&metric_key=auc&page_token=\(token)")
            #expect(json["next_page_token"] == nil)
            (status, json) = try await call(
                client, .post, "\(api)/runs/search",
                #"{"experiment_ids": ["1"], "filter": "metrics.auc > 0.7 and params.depth = '3'", "order_by": ["metrics.auc DESC"]}"#)
            guard case .array(let runs)? = json["runs"] else {
                Issue.record("no runs: \(json.text)")
                return
            }
            #expect(runs.count == 1)
            (status, json) = try await call(client, .post, "\(api)/runs/update", #"{"run_id": "\#(runID)", "status": "FINISHED", "end_time": 2000}"#)
            #expect(json["run_info"]?["end_time"] == .integer(2000) && json["run_info"]?["status"] == .string("FINISHED"))
        }
    }

    @Test func registeredModelsVersionsAndAliases() async throws {
        try await withServer { client, _ in
            let api = "/api/2.0/mlflow"
            var (status, json) = try await call(client, .post, "\(api)/registered-models/create", #"{"name": "fraud"}"#)
            #expect(status == 200 && json["registered_model"]?["name"] == .string("fraud"))
            (status, json) = try await call(
                client, .post, "\(api)/model-versions/create", #"{"name": "fraud", "source": "mlflow-artifacts:/0/x/artifacts/model"}"#)
            #expect(json["model_version"]?["version"] == .string("1") && json["model_version"]?["status"] == .string("READY"))
            (status, _) = try await call(client, .post, "\(api)/registered-models/alias", #"{"name": "fraud", "alias": "champion", "version": "1"}"#)
            #expect(status == 200)
            (status, json) = try await call(client, .get, "\(api)/registered-models/alias?name=fraud&alias=champion")
            #expect(json["model_version"]?["aliases"] == .array([.string("champion")]))
            (status, json) = try await call(client, .get, "\(api)/registered-models/search?filter=name+LIKE+%27fr%25%27")
            #expect(json["registered_models"]?["name"] == nil && status == 200)
            (status, json) = try await call(client, .get, "\(api)/model-versions/get-download-uri?name=fraud&version=1")
            #expect(json["artifact_uri"] == .string("mlflow-artifacts:/0/x/artifacts/model"))
            (status, json) = try await call(
                client, .post, "\(api)/model-versions/transition-stage",
                #"{"name": "fraud", "version": "1", "stage": "Production", "archive_existing_versions": false}"#)
            #expect(json["model_version"]?["current_stage"] == .string("Production"))
            (status, _) = try await call(client, .delete, "\(api)/registered-models/alias", #"{"name": "fraud", "alias": "champion"}"#)
            #expect(status == 200)
            (status, json) = try await call(client, .get, "\(api)/registered-models/alias?name=fraud&alias=champion")
            #expect(status == 404 && json["error_code"] == .string("RESOURCE_DOES_NOT_EXIST"))
        }
    }

    /// Bad input of every kind answers 4xx with MLflow's JSON error, never 5xx.
    @Test func badInputGetsMLflowErrors() async throws {
        try await withServer { client, _ in
            let api = "/api/2.0/mlflow"
            let cases: [(HTTPRequest.Method, String, String?, Int, String)] = [
                (.get, "\(api)/runs/get?run_id=nope", nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.get, "\(api)/experiments/get?experiment_id=42", nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.get, "\(api)/runs/get", nil, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/experiments/create", #"{"name": 5}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/experiments/create", #"{"name": "Default"}"#, 400, "RESOURCE_ALREADY_EXISTS"),
                (.post, "\(api)/experiments/create", #"{"name": "x""#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/experiments/create", "[1, 2]", 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/experiments/create", String(repeating: "[", count: 10_000), 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/runs/log-metric", #"{"run_id": "nope", "key": "k", "value": "high"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/runs/log-metric", #"{"run_id": "nope", "key": "k", "value": 1, "step": 1.5}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/runs/log-metric", #"{"run_id": "nope", "key": "k", "value": 1}"#, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.post, "\(api)/runs/search", #"{"experiment_ids": ["0"], "filter": "metrics.auc >>> 1"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/runs/search", #"{"experiment_ids": ["0"], "max_results": 100000000}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/runs/search", #"{"experiment_ids": ["0"], "page_token": "garbage"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (
                    .post, "\(api)/experiments/set-experiment-tag", #"{"experiment_id": "0", "key": "k", "value": "\#(String(repeating: "v", count: 8001))"}"#,
                    400, "INVALID_PARAMETER_VALUE"
                ),
                (.get, "\(api)/model-versions/get?name=fraud&version=abc", nil, 400, "INVALID_PARAMETER_VALUE"),
                (.get, "\(api)/no-such-endpoint", nil, 404, "ENDPOINT_NOT_FOUND"),
                (.get, "\(api)/runs/create", nil, 405, "BAD_REQUEST"),
                (.put, "/api/2.0/mlflow-artifacts/artifacts/../escape.txt", "x", 400, "INVALID_PARAMETER_VALUE"),
                (.put, "/api/2.0/mlflow-artifacts/artifacts/0/%2E%2E/%2E%2E/escape.txt", "x", 400, "INVALID_PARAMETER_VALUE"),
                (.get, "/api/2.0/mlflow-artifacts/artifacts?path=../..", nil, 400, "INVALID_PARAMETER_VALUE"),
                (.get, "/api/2.0/mlflow-artifacts/artifacts/0/missing.txt", nil, 404, "RESOURCE_DOES_NOT_EXIST"),
                (.post, "\(api)/experiments/create", #"{"name": "e1", "artifact_location": "file:///etc"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/experiments/create", #"{"name": "e2", "artifact_location": "mlflow-artifacts:/../../x"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/experiments/create", #"{"name": "e3", "artifact_location": "s3://elsewhere/x"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/registered-models/create", #"{"name": "m"}"#, 200, ""),
                (.post, "\(api)/model-versions/create", #"{"name": "m", "source": "file:///etc/passwd"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/model-versions/create", #"{"name": "m", "source": "../../etc"}"#, 400, "INVALID_PARAMETER_VALUE"),
                (.post, "\(api)/model-versions/create", #"{"name": "ghost", "source": "mlflow-artifacts:/0/m"}"#, 404, "RESOURCE_DOES_NOT_EXIST"),
            ]
            for (method, path, body, expectedStatus, code) in cases {
                let (status, json) = try await call(client, method, path, body)
                if expectedStatus == 200 {
                    #expect(status == 200, "\(method) \(path): \(json.text.prefix(300))")
                    continue
                }
                #expect(status == expectedStatus, "\(method) \(path.prefix(120)): \(json.text.prefix(300))")
                #expect(json["error_code"] == .string(code), "\(method) \(path.prefix(120)): \(json.text.prefix(300))")
                if case .string(let message)? = json["message"] { #expect(!message.isEmpty) } else { Issue.record("no message for \(path)") }
            }
        }
    }

    @Test func artifactsUploadDownloadList() async throws {
        try await withServer { client, directory in
            let base = "/api/2.0/mlflow-artifacts/artifacts"
            let payload = String(repeating: "kite ", count: 300_000)
            let stored = try await client.execute(uri: "\(base)/1/run/artifacts/model/model.bin", method: .put, body: ByteBuffer(string: payload)) {
                $0.status.code
            }
            #expect(stored == 200)
            #expect(try String(contentsOfFile: directory.file("artifacts/1/run/artifacts/model/model.bin"), encoding: .utf8) == payload)
            let downloaded = try await client.execute(uri: "\(base)/1/run/artifacts/model/model.bin", method: .get) { String(buffer: $0.body) }
            #expect(downloaded == payload)
            let (_, listing) = try await call(client, .get, "\(base)?path=1/run/artifacts")
            #expect(listing == .object([("files", .array([.object(["path": .string("model"), "is_dir": .bool(true)])]))]))
            let (_, files) = try await call(client, .get, "\(base)?path=1/run/artifacts/model")
            #expect(
                files["files"] == .array([.object(["path": .string("model.bin"), "is_dir": .bool(false), "file_size": .integer(Int64(payload.utf8.count))])]))
            #expect(!FileManager.default.fileExists(atPath: directory.file("escape.txt")))
        }
    }

    /// The artifact proxy in front of S3 (moto): what the client uploads lands in the bucket and comes back.
    @Test func artifactsInS3() async throws {
        var configuration = S3Configuration()
        configuration.endpoint = try TestServices.s3Endpoint()
        configuration.credentials = .init(accessKeyID: "testing", secretAccessKey: "testing")
        try await S3Client.with(configuration: configuration, logger: Logger(label: "test.s3")) { client in
            let bucket = try S3ObjectStore(bucket: TestServices.uniqueBucket("artifacts"), client: client)
            try await bucket.createBucket()
            try await withServer(objects: bucket) { client, _ in
                let base = "/api/2.0/mlflow-artifacts/artifacts"
                let stored = try await client.execute(uri: "\(base)/0/run/artifacts/model/MLmodel", method: .put, body: ByteBuffer(string: "flavors: {}\n")) {
                    $0.status.code
                }
                #expect(stored == 200)
                #expect(String(decoding: try await bucket.get("0/run/artifacts/model/MLmodel"), as: UTF8.self) == "flavors: {}\n")
                let downloaded = try await client.execute(uri: "\(base)/0/run/artifacts/model/MLmodel", method: .get) { String(buffer: $0.body) }
                #expect(downloaded == "flavors: {}\n")
                let (_, listing) = try await call(client, .get, "\(base)?path=0/run/artifacts")
                #expect(listing["files"] == .array([.object(["path": .string("model"), "is_dir": .bool(true)])]))
            }
        }
    }

    @Test func jsonParserAcceptsWhatMLflowSendsAndRejectsTheRest() throws {
        let parsed = try JSONValue.parse(Array(#"{"a": [1, -2.5e3, "x\u00e9\n", true, null, NaN], "b": {"c": "\ud83d\ude00"}}"#.utf8))
        guard case .array(let items)? = parsed["a"], items.count == 6, case .number(let nan) = items[5] else {
            Issue.record("unexpected \(parsed.text)")
            return
        }
        #expect(Array(items.prefix(5)) == [.integer(1), .number(-2500), .string("xé\n"), .bool(true), .null] && nan.isNaN)
        #expect(parsed["b"]?["c"] == .string("😀"))
        for bad in ["", "{", "{\"a\" 1}", "[1,]x", "\"unterminated", "{\"a\": tru}", "\"\\u12\""] {
            #expect(throws: KiteError.self) { try JSONValue.parse(Array(bad.utf8)) }
        }
        #expect(JSONValue.object([("k", .string("q\"\u{1}"))]).text == #"{"k":"q\"\u0001"}"#)
    }
}

/// The real `mlflow` Python client (tracking, artifacts, sklearn model logging, registry, aliases, pyfunc
/// loading, search) against the `kite server` binary.
@Suite struct MLflowClientTests {
    /// The same workflow with the registry in SQLite (the default) and in PostgreSQL (one changed line of kite.yaml).
    @Test(arguments: ["sqlite", "postgres"]) func realMLflowClientWorkflow(registry: String) throws {
        let project = try TemporaryDirectory()
        let initialized = try Subprocess.run(TestEnvironment.kiteBinary, ["init", project.path + "/fraud"])
        #expect(initialized.status == 0, "\(initialized.standardError)")
        if registry == "postgres" {
            let configuration = project.path + "/fraud/kite.yaml"
            let text = try String(contentsOfFile: configuration, encoding: .utf8)
            let url = try TestServices.postgresDatabase()
            try text.replacingOccurrences(of: "registry: sqlite:.kite/registry.db", with: "registry: \(url)")
                .write(toFile: configuration, atomically: true, encoding: .utf8)
        }
        let output = try Subprocess.python("mlflow_client_test.py", [TestEnvironment.kiteBinary, project.path + "/fraud"])
        #expect(output.hasSuffix("ok\n"), "\(output)")
    }
}
