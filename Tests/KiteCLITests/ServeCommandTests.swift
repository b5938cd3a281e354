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
