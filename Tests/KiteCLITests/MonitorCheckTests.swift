import Foundation
import KiteCore
import KiteTesting
import Testing

/// `kite monitor check`: rules in monitors/*.yaml evaluated over the prediction log, changes POSTed to a webhook
/// receiver on loopback, a failed delivery sent again at the next check, no duplicate notifications.
@Suite struct MonitorCheckTests {
    @Test func alertsFireOnceResolveOnceAndRetryAFailedDelivery() async throws {
        let directory = try TemporaryDirectory()
        let (project, _, _, holdout) = try await MonitorCommandTests.trainedProject(in: directory)
        // Day 1: amounts tripled (inputs drift); day 3: the holdout as it was (no drift).
        _ = try await MonitorCommandTests.logDay(project: project, holdout: holdout, day: "2026-03-01", amountFactor: 3)
        _ = try await MonitorCommandTests.logDay(project: project, holdout: holdout, day: "2026-03-03", amountFactor: 1)
        // kite serve (serving the champion, so its prediction log reports dropped records) is the monitor's server.
        let server = try ServerProcess(
            TestEnvironment.kiteBinary, ["serve", "--port", "0", "--model", "fraud@champion", "--project", project], in: directory.path)
        defer { server.stop() }
        try FileManager.default.createDirectory(atPath: project + "/monitors", withIntermediateDirectories: true)
        try """
        model: fraud
        window: 1d
        webhook_env: KITE_TEST_WEBHOOK
        server: http://127.0.0.1:\(server.port)
        rules:
          - name: log losing records
            when: dropped_log_records > 0
          - name: inputs drifted
            when: drift_share > 0.05
          - name: auc collapsed
            when: auc < holdout.auc - 0.5
          - name: slow
            when: p99_latency_ms > 1000
          - name: split broken
            when: srm_p < 0.001
        """.write(toFile: project + "/monitors/fraud-health.yaml", atomically: true, encoding: .utf8)

        // The receiver refuses the first three posts: the first check's three attempts all fail.
        let received = directory.file("received.jsonl")
        let receiver = try ServerProcess(TestEnvironment.python, ["-u", TestEnvironment.peerScript("webhook_receiver.py"), received, "3"], in: directory.path)
        defer { receiver.stop() }
        let check = { (at: String) async throws -> ProcessResult in
            try await Subprocess.run(
                TestEnvironment.kiteBinary, ["monitor", "check", "--at", at, "--project", project],
                environment: ["KITE_TEST_WEBHOOK": "http://127.0.0.1:\(receiver.port)/alerts"])
        }
        let bodies = { () -> [[String: Any]] in
            let text = (try? String(contentsOfFile: received, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        let first = try await check("2026-03-01T23:00:00Z")
        #expect(first.status == 1 && first.standardError.contains("could not notify fraud-health"), "\(first.standardOutput)\(first.standardError)")
        #expect(first.standardOutput.contains("firing: inputs drifted") && first.standardOutput.contains("no_data: auc collapsed"), "\(first.standardOutput)")
        #expect(first.standardOutput.contains("ok: slow") && first.standardOutput.contains("no_data: split broken"), "\(first.standardOutput)")
        #expect(first.standardOutput.contains("ok: log losing records (0)"), "\(first.standardOutput)")
        #expect(bodies().isEmpty)
        #expect((try? String(contentsOfFile: received + ".failed", encoding: .utf8))?.split(separator: "\n").count == 3)

        // The next check sends the change again, once; the one after sends nothing.
        let second = try await check("2026-03-01T23:30:00Z")
        #expect(second.status == 0 && second.standardOutput.contains("1 change, notified"), "\(second.standardOutput)\(second.standardError)")
        var posts = bodies()
        #expect(posts.count == 1)
        let alerts = try #require(posts.first?["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1 && alerts[0]["rule"] as? String == "inputs drifted" && alerts[0]["status"] as? String == "firing")
        #expect((alerts[0]["value"] as? Double ?? 0) > 0.05 && posts[0]["monitor"] as? String == "fraud-health" && posts[0]["model"] as? String == "fraud")
        #expect((posts[0]["values"] as? [String: Double])?["predictions"] == Double(holdout.rowCount))
        let third = try await check("2026-03-01T23:45:00Z")
        #expect(third.status == 0 && third.standardOutput.contains("0 changes"), "\(third.standardOutput)")
        #expect(bodies().count == 1)

        // Two days later the inputs look like the reference again: one resolved notification.
        let fourth = try await check("2026-03-03T23:00:00Z")
        #expect(fourth.status == 0 && fourth.standardOutput.contains("ok: inputs drifted"), "\(fourth.standardOutput)\(fourth.standardError)")
        posts = bodies()
        #expect(posts.count == 2)
        let resolved = try #require(posts.last?["alerts"] as? [[String: Any]])
        #expect(resolved.count == 1 && resolved[0]["rule"] as? String == "inputs drifted" && resolved[0]["status"] as? String == "resolved")
        #expect(try await check("2026-03-03T23:30:00Z").status == 0)
        #expect(bodies().count == 2)

        // kite serve exports the last check as Prometheus gauges.
        let scrape = try await Subprocess.run(
            TestEnvironment.python,
            ["-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())", "http://127.0.0.1:\(server.port)/metrics"])
        let text = scrape.standardOutput
        #expect(text.contains("kite_monitor_alert_firing{monitor=\"fraud-health\",rule=\"inputs drifted\"} 0\n"), "\(text.suffix(2000))")
        #expect(text.contains("kite_monitor_alert_firing{monitor=\"fraud-health\",rule=\"slow\"} 0\n"))
        #expect(!text.contains("rule=\"split broken\""))
        #expect(text.contains("kite_monitor_value{monitor=\"fraud-health\",variable=\"predictions\"} \(Double(holdout.rowCount))\n"))
        #expect(text.contains("kite_monitor_checked_timestamp_seconds{monitor=\"fraud-health\"} 1772580600.0\n"), "\(text.suffix(600))")
    }

    @Test func mistakesInMonitorFilesNameTheFileAndLine() async throws {
        let directory = try TemporaryDirectory()
        let project = directory.file("p")
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", project]).status == 0)
        try FileManager.default.createDirectory(atPath: project + "/monitors", withIntermediateDirectories: true)
        let file = project + "/monitors/bad.yaml"
        try "model: fraud\nrules:\n  - name: typo\n    when: drift_share >> 0.3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await Subprocess.run(TestEnvironment.kiteBinary, ["monitor", "check", "--project", project])
        #expect(result.status == 1 && result.standardError.contains("\(file):4:"), "\(result.standardError)")
        try "model: fraud\nwebhook_env: KITE_TEST_UNSET_WEBHOOK\nrules:\n  - when: drift_share > 0.3\n".write(toFile: file, atomically: true, encoding: .utf8)
        let unset = try await Subprocess.run(TestEnvironment.kiteBinary, ["monitor", "check", "--project", project])
        #expect(unset.status == 1 && unset.standardError.contains("$KITE_TEST_UNSET_WEBHOOK, which is not set"), "\(unset.standardError)")
    }
}
