import Foundation
import KiteCore
import KiteTesting
import Testing

/// Two `kite serve` replicas behind nginx on loopback, sharing one Redis online store and one PostgreSQL
/// registry, as a deployment runs them.
@Suite struct ReplicaTests {
    /// A free loopback port (bound and released).
    static func freePort() throws -> Int {
        let script = "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
        return Int(try Subprocess.run(TestEnvironment.python, ["-c", script]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Under load through nginx: an alias move reaches both replicas, one replica stopped with SIGTERM costs no
    /// request (in-flight ones finish, nginx retries refused connections on the other), and the two prediction
    /// logs together hold every answered prediction, as pyarrow reads them.
    @Test func replicasBehindNginxFollowAliasesAndStopGracefully() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("replicas")
        let kite = { (arguments: [String]) in try Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project]) }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "3000", project]).status == 0)
        let configuration = project + "/kite.yaml"
        var yaml = try String(contentsOfFile: configuration, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "project: fraud", with: "project: replicas-\(UUID().uuidString.prefix(8).lowercased())")
        yaml = yaml.replacingOccurrences(of: "registry: sqlite:.kite/registry.db", with: "registry: \(try TestServices.postgresDatabase())")
        yaml = yaml.replacingOccurrences(of: "online_store: embedded:.kite/online.db", with: "online_store: \(try TestServices.redisURL())")
        try yaml.write(toFile: configuration, atomically: true, encoding: .utf8)
        #expect(try kite(["apply"]).status == 0)
        #expect(try kite(["materialize", "2026-02-20T00:00:00Z", "2026-03-02T00:00:00Z"]).status == 0)
        // Two versions of a model that imputes its inputs (the stored values are months older than their ttl now).
        let config = project + "/train/logistic.yaml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.components(separatedBy: "gates:")[0].write(toFile: config, atomically: true, encoding: .utf8)
        for _ in 0..<2 {
            let trained = try kite(["train", config])
            #expect(trained.status == 0, "\(trained.standardError)")
        }
        #expect(try kite(["models", "alias", "fraud", "1", "champion"]).status == 0)

        let serve = ["serve", "--port", "0", "--model", "fraud@champion", "--reload-seconds", "0.3", "--log-level", "warning", "--project", project]
        let first = try ServerProcess(TestEnvironment.kiteBinary, serve, in: directory.path)
        let second = try ServerProcess(TestEnvironment.kiteBinary, serve, in: directory.path)
        let proxyPort = try Self.freePort()
        let nginxFolder = directory.file("nginx")
        try FileManager.default.createDirectory(atPath: nginxFolder + "/logs", withIntermediateDirectories: true)
        try """
        worker_processes 1;
        daemon off;
        pid \(nginxFolder)/nginx.pid;
        error_log \(nginxFolder)/logs/error.log warn;
        events { worker_connections 512; }
        http {
            access_log off;
            client_body_temp_path \(nginxFolder)/body; proxy_temp_path \(nginxFolder)/proxy;
            fastcgi_temp_path \(nginxFolder)/fastcgi; uwsgi_temp_path \(nginxFolder)/uwsgi; scgi_temp_path \(nginxFolder)/scgi;
            upstream kite { server 127.0.0.1:\(first.port) max_fails=0; server 127.0.0.1:\(second.port) max_fails=0; }
            server {
                listen 127.0.0.1:\(proxyPort);
                location / {
                    proxy_pass http://kite;
                    proxy_next_upstream error timeout http_502 http_503 non_idempotent;
                    proxy_next_upstream_tries 3;
                    proxy_connect_timeout 2s;
                }
            }
        }
        """.write(toFile: nginxFolder + "/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        nginx.arguments = ["-p", nginxFolder, "-c", nginxFolder + "/nginx.conf"]
        try nginx.run()
        defer {
            nginx.terminate()
            nginx.waitUntilExit()
        }
        try await Task.sleep(for: .milliseconds(500))

        let load = Process()
        load.executableURL = URL(fileURLWithPath: TestEnvironment.python)
        let stopFile = directory.file("stop-load")
        load.arguments = [TestEnvironment.peerScript("replica_load.py"), "127.0.0.1:\(proxyPort)", stopFile, "4"]
        let loadOutput = Pipe()
        load.standardOutput = loadOutput
        try load.run()
        for _ in 0..<600 where !FileManager.default.fileExists(atPath: stopFile + ".started") { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try kite(["models", "alias", "fraud", "2", "champion"]).status == 0)
        try await Task.sleep(for: .seconds(1.5))
        // Each replica, asked directly, serves the moved alias's version.
        let ask = "import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]))['version'])"
        for replica in [first, second] {
            let served = try await Subprocess.run(TestEnvironment.python, ["-c", ask, "http://127.0.0.1:\(replica.port)/v1/models/fraud"])
            #expect(served.standardOutput == "2\n", "\(served.standardOutput) \(served.standardError)")
        }
        #expect(first.stop() == 0, "\(first.log)")
        // The other replica alone for a while, then the load stops.
        try await Task.sleep(for: .seconds(1))
        try "stop".write(toFile: stopFile, atomically: true, encoding: .utf8)
        let report = try JSONDecoder().decode(Report.self, from: loadOutput.fileHandleForReading.readDataToEndOfFile())
        load.waitUntilExit()
        #expect(second.stop() == 0, "\(second.log)")

        let answered = report.answered
        #expect(report.statuses.keys.sorted() == ["200"], "\(report.statuses) \(report.errors)")
        #expect(answered.count > 50, "\(report.statuses)")
        // Version 1 answered first; the answers after the move reached both replicas (the last ones, from the
        // replica left, long after it) name version 2.
        #expect(answered.prefix(5).allSatisfy { $0[1] == "1" }, "\(answered.prefix(5))")
        #expect(answered.suffix(20).allSatisfy { $0[1] == "2" }, "\(answered.suffix(20))")

        // Every answered prediction is in one of the two replicas' logs (two rows per request).
        let script = """
            import json, sys, pyarrow.dataset as ds
            table = ds.dataset(sys.argv[1], format="parquet", partitioning="hive").to_table(columns=["request_id", "model_version"])
            print(json.dumps({"rows": table.num_rows, "ids": sorted(set(table.column("request_id").to_pylist()))}))
            """
        let read = try await Subprocess.run(TestEnvironment.python, ["-c", script, project + "/data/predictions"])
        #expect(read.status == 0, "\(read.standardError)")
        let logged = try JSONDecoder().decode(Logged.self, from: Data(read.standardOutput.utf8))
        #expect(logged.rows == 2 * answered.count)
        #expect(logged.ids == answered.map { $0[0] }.sorted())
    }

    struct Report: Decodable {
        var statuses: [String: Int]
        var answered: [[String]]
        var errors: [String]
    }

    struct Logged: Decodable {
        var rows: Int
        var ids: [String]
    }
}
