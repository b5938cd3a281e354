import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite serve` as a user runs it beside other commands on the same project.
@Suite struct ServeCommandTests {
    /// `kite apply` while the server takes registry writes on the same SQLite file: both succeed (the
    /// definitions live in the registry database, behind the same busy handling as every registry write).
    @Test func applyWhileTheServerTakesWrites() throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("fraud")
        let created = try Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "1000", project])
        #expect(created.status == 0, "\(created.standardError)")
        let server = try ServerProcess(TestEnvironment.kiteBinary, ["serve", "--port", "0"], in: project)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: TestEnvironment.python)
        writer.arguments = [TestEnvironment.peerScript("registry_writer.py"), String(server.port), "150"]
        let writerOutput = Pipe()
        writer.standardOutput = writerOutput
        writer.standardError = writerOutput
        try writer.run()
        let definitions = project + "/features/fraud.yaml"
        let original = try String(contentsOfFile: definitions, encoding: .utf8)
        var failures: [String] = []
        for index in 0..<30 {
            // The file alternates between two texts, so every apply records a new version.
            try (original + (index % 2 == 0 ? "" : "# edit \(index)\n")).write(toFile: definitions, atomically: true, encoding: .utf8)
            let applied = try Subprocess.run(TestEnvironment.kiteBinary, ["apply", "--project", project])
            if applied.status != 0 { failures.append(applied.standardError) }
        }
        writer.waitUntilExit()
        let written = String(decoding: writerOutput.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let status = server.stop()
        #expect(failures.isEmpty, "\(failures.count) of 30 applies failed: \(failures.first ?? "")")
        #expect(writer.terminationStatus == 0 && written == "ok 150\n", "\(written)")
        #expect(status == 0, "kite serve did not stop cleanly on SIGTERM:\n\(server.log)")
        let listed = try Subprocess.run(TestEnvironment.kiteBinary, ["features", "list", "--project", project])
        #expect(listed.standardOutput.hasPrefix("definitions version 30,"), "\(listed.standardOutput)")
    }

    /// With auth on, the real mlflow client works with a token from `kite tokens create` (it sends
    /// MLFLOW_TRACKING_TOKEN as a bearer token) and fails without one; a revoked token is refused; and the server
    /// will not listen beyond loopback without auth.
    @Test func mlflowClientUsesATokenWhenAuthIsOn() throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("p")
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let created = try Subprocess.run(TestEnvironment.kiteBinary, ["tokens", "create", "--role", "write", "--name", "ci", "--project", project])
        #expect(created.status == 0, "\(created.standardError)")
        let token = created.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("kite_"))
        let exposed = try Subprocess.run(TestEnvironment.kiteBinary, ["serve", "--host", "0.0.0.0", "--port", "0", "--project", project])
        #expect(exposed.status != 0 && exposed.standardError.contains("without auth"), "\(exposed.standardError)")

        let server = try ServerProcess(TestEnvironment.kiteBinary, ["serve", "--auth", "--port", "0", "--project", project], in: directory.path)
        let script = """
            import os, sys, mlflow
            from mlflow import MlflowClient
            os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
            mlflow.set_tracking_uri(sys.argv[1])
            client = MlflowClient()
            try:
                experiment = client.create_experiment("guarded")
                run = client.create_run(experiment).info.run_id
                client.log_metric(run, "auc", 0.9)
                print("ok", client.get_run(run).data.metrics["auc"])
            except Exception as error:
                print("refused", type(error).__name__, str(error)[:300])
            """
        func mlflow(_ token: String?, port: Int) throws -> String {
            let environment = token.map { ["MLFLOW_TRACKING_TOKEN": $0] } ?? [:]
            return try Subprocess.run(TestEnvironment.python, ["-c", script, "http://127.0.0.1:\(port)"], environment: environment).standardOutput
        }
        #expect(try mlflow(token, port: server.port) == "ok 0.9\n")
        let refused = try mlflow(nil, port: server.port)
        #expect(refused.hasPrefix("refused RestException UNAUTHENTICATED"), "\(refused)")
        let id = String(token.dropFirst(5).prefix(8))
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["tokens", "revoke", id, "--project", project]).status == 0)
        let listed = try Subprocess.run(TestEnvironment.kiteBinary, ["tokens", "list", "--project", project]).standardOutput
        #expect(listed.contains(id) && listed.contains("ci") && !listed.contains(token), "\(listed)")
        #expect(server.stop() == 0, "\(server.log)")
        // A new server (no cache) refuses the revoked token at once.
        let again = try ServerProcess(TestEnvironment.kiteBinary, ["serve", "--auth", "--port", "0", "--project", project], in: directory.path)
        let afterRevoke = try mlflow(token, port: again.port)
        #expect(afterRevoke.hasPrefix("refused"), "\(afterRevoke)")
        #expect(again.stop() == 0)
    }

    /// `kite.yaml`'s `serve:` section is checked with file and line; flags win over it.
    @Test func serveSectionIsValidated() throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("p")
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let configuration = project + "/kite.yaml"
        let text = try String(contentsOfFile: configuration, encoding: .utf8)
        try (text + "serve:\n  port: 0\n  apis: [mlflow, nope]\n").write(toFile: configuration, atomically: true, encoding: .utf8)
        let refused = try Subprocess.run(TestEnvironment.kiteBinary, ["serve", "--project", project])
        #expect(refused.status != 0 && refused.standardError.contains("kite.yaml:") && refused.standardError.contains("'nope'"), "\(refused.standardError)")
        try (text + "serve:\n  port: 0\n  apis: [mlflow]\n").write(toFile: configuration, atomically: true, encoding: .utf8)
        let server = try ServerProcess(TestEnvironment.kiteBinary, ["server", "--project", project], in: directory.path)
        #expect(server.port > 0 && server.log.contains("kite serve: mlflow"))
        #expect(server.stop() == 0)
    }

    /// A bad `online_store` is refused when kite.yaml is read, with its line, before anything connects.
    @Test(arguments: ["redis://h:port", "redis://a,b:1", "memcached://x", "'embedded:'", "redis://h:1?pool_size=0"])
    func onlineStoreIsValidatedWithItsLine(url: String) throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("p")
        #expect(try Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        let configuration = project + "/kite.yaml"
        let text = try String(contentsOfFile: configuration, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("online_store:") ? "online_store: \(url)" : String($0) }
        try lines.joined(separator: "\n").write(toFile: configuration, atomically: true, encoding: .utf8)
        let line = (lines.firstIndex { $0.hasPrefix("online_store:") } ?? 0) + 1
        let refused = try Subprocess.run(TestEnvironment.kiteBinary, ["materialize", "2026-01-01", "2026-01-02", "--project", project])
        #expect(refused.status != 0 && refused.standardError.contains("kite.yaml:\(line)"), "\(refused.standardError)")
    }
}
