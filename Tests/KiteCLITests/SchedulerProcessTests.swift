import Foundation
import KiteCore
import KiteTesting
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Pipelines over HTTP on `kite serve --scheduler`, and a scheduler stopped by SIGTERM mid-step: the step is
/// stopped and marked interrupted, and the next scheduler (`kite scheduler`) resumes the run.
@Suite struct SchedulerProcessTests {
    @Test func sigtermInterruptsAndTheNextSchedulerResumes() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("project")
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        try FileManager.default.createDirectory(atPath: project + "/pipelines", withIntermediateDirectories: true)
        func pipeline(_ command: String) throws {
            try """
            name: slow
            steps:
              - name: first
                command: [pipelines, list]
              - name: wait
                depends_on: [first]
                command: \(command)
                retries: 1
                retry_delay: 1s
            """.write(toFile: project + "/pipelines/slow.yaml", atomically: true, encoding: .utf8)
        }
        try pipeline(#"[serve, --port, "0"]"#)  // runs until it is stopped
        let server = try ServerProcess(
            TestEnvironment.kiteBinary, ["serve", "--port", "0", "--scheduler", "--scheduler-interval", "0.2", "--project", project], in: directory.path)
        let base = "http://127.0.0.1:\(server.port)"
        let listed = try await HTTP.json("GET", base + "/v1/pipelines")
        let names = (listed["pipelines"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["slow"], "\(listed)")
        let paths = try await HTTP.json("GET", base + "/openapi.json")["paths"] as? [String: Any] ?? [:]
        #expect(paths["/v1/pipelines/{name}/runs"] != nil && paths["/v1/pipelines/{name}/runs/{id}"] != nil, "\(paths.keys)")
        let queued = try await HTTP.json("POST", base + "/v1/pipelines/slow/runs", body: #"{"logical_time": "2026-03-02T02:00:00Z"}"#)
        let runID = try #require(queued["id"] as? String)
        #expect(queued["status"] as? String == "queued")
        #expect(try await HTTP.status("POST", base + "/v1/pipelines/nope/runs", body: "{}") == 404)
        #expect(try await HTTP.status("POST", base + "/v1/pipelines/slow/runs", body: #"{"logical_time": "soon"}"#) == 400)

        // The scheduler takes the run; its second step runs (a server of its own) until SIGTERM reaches it.
        var waiting = false
        for _ in 0..<300 where !waiting {
            let runs = try await HTTP.json("GET", base + "/v1/pipelines/slow/runs")["runs"] as? [[String: Any]] ?? []
            let attempts = runs.first?["attempts"] as? [[String: Any]] ?? []
            waiting = attempts.contains { $0["step"] as? String == "wait" && $0["status"] as? String == "running" }
            if !waiting { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(waiting)
        #expect(server.stop() == 0, "\(server.log)")
        let kite = { (arguments: [String]) async throws -> ProcessResult in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        let stopped = try await kite(["pipelines", "runs", "slow"]).standardOutput
        #expect(stopped.contains("first#1 succeeded") && stopped.contains("wait#1 interrupted") && stopped.contains("running"), "\(stopped)")

        // The next scheduler resumes the run: the first step is kept, the second retried (now a quick command).
        try pipeline("[pipelines, list]")
        let scheduler = Process()
        scheduler.executableURL = URL(fileURLWithPath: TestEnvironment.kiteBinary)
        scheduler.arguments = ["scheduler", "--interval", "0.2", "--project", project]
        scheduler.standardOutput = FileHandle.nullDevice
        scheduler.standardError = FileHandle.nullDevice
        try scheduler.run()
        var finished = ""
        for _ in 0..<300 {
            finished = try await kite(["pipelines", "runs", "slow"]).standardOutput
            if finished.split(separator: "\n").contains(where: { $0.contains(runID) && $0.contains(" succeeded ") }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        scheduler.terminate()
        scheduler.waitUntilExit()
        #expect(scheduler.terminationStatus == 0)
        #expect(finished.split(separator: "\n").contains { $0.contains(runID) && $0.contains(" succeeded ") }, "\(finished)")
        let attempts = try await kite(["pipelines", "logs", runID]).standardOutput.split(separator: "\n").filter { $0.hasPrefix("== ") }
        #expect(
            attempts == [
                "== first task 1 attempt 1: succeeded", "== wait task 1 attempt 1: interrupted", "== wait task 1 attempt 2: succeeded",
            ], "\(attempts)")
    }
}

/// A small HTTP client for the test: JSON in, JSON out.
enum HTTP {
    static func json(_ method: String, _ url: String, body: String? = nil) async throws -> [String: Any] {
        let (data, _) = try await send(method, url, body: body)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func status(_ method: String, _ url: String, body: String? = nil) async throws -> Int { try await send(method, url, body: body).1 }

    private static func send(_ method: String, _ url: String, body: String?) async throws -> (Data, Int) {
        guard let address = URL(string: url) else { throw KiteError.invalidArgument("bad URL \(url)") }
        var request = URLRequest(url: address)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
