import Foundation
import KiteCore
import KiteTesting
import Testing

/// Kite's web UI in a real browser (headless Chromium driven by selenium, `Tests/peers/ui_peer.py`): every page
/// loads without console errors, shows its charts, links between pages work, user text is escaped, pages fit a
/// phone's width. Screenshots go to `.build/test-output/ui/`.
@Suite struct WebUITests {
    static let probe = "<script>alert(1)</script>"

    @Test func everyPageLoadsInChromiumLinksWorkAndUserTextIsEscaped() async throws {
        let directory = try TemporaryDirectory()
        let (project, kite, _, holdout) = try await MonitorCommandTests.trainedProject(in: directory)
        // A second run to compare (its gate against the champion may fail; the run is recorded either way).
        _ = try await kite(["train", project + "/train/logistic.yaml"])
        _ = try await MonitorCommandTests.logDay(project: project, holdout: holdout, day: "2026-03-01", amountFactor: 3)
        try FileManager.default.createDirectory(atPath: project + "/monitors", withIntermediateDirectories: true)
        try "model: fraud\nrules:\n  - name: inputs drifted\n    when: drift_share > 0.05\n".write(
            toFile: project + "/monitors/fraud-health.yaml", atomically: true, encoding: .utf8)
        let check = try await kite(["monitor", "check", "--at", "2026-03-01T23:00:00Z"])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        let pipeline = try await kite(["pipelines", "run", "nightly", "--date", "2026-03-02T02:00:00Z"])
        #expect(pipeline.status == 0, "\(pipeline.standardOutput)\(pipeline.standardError)")
        try await Self.startExperiment(project: project, directory: directory, kite: kite)

        let server = try ServerProcess(
            TestEnvironment.kiteBinary, ["serve", "--port", "0", "--model", "fraud@champion", "--project", project], in: directory.path)
        defer { server.stop() }
        #expect(server.log.contains("web UI: http://127.0.0.1:\(server.port)/ui"), "\(server.log)")
        let base = "http://127.0.0.1:\(server.port)"
        let marked = try await Subprocess.run(TestEnvironment.python, [TestEnvironment.peerScript("ui_peer.py"), "mark", base])
        #expect(marked.status == 0, "\(marked.standardError)")

        let output = TestEnvironment.packageRoot.appendingPathComponent(".build/test-output/ui").path
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let browsed = try await Subprocess.run(TestEnvironment.python, [TestEnvironment.peerScript("ui_peer.py"), "browse", base, output])
        #expect(browsed.status == 0, "\(browsed.standardError)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(browsed.standardOutput.utf8)) as? [String: Any], "\(browsed.standardOutput)")
        let pages = try #require(report["pages"] as? [String: [String: Any]])
        #expect(pages.count == 16, "\(pages.keys.sorted())")
        // The one console error allowed: the missing page's own 404.
        let errors = (report["console_errors"] as? [String] ?? []).filter { !$0.hasPrefix("not-found: ") }
        #expect(errors.isEmpty, "\(errors)")
        #expect(report["alerts"] as? Int == 0)
        for (name, page) in pages {
            #expect(page["scripts"] as? Int == 0, "\(name) has a script element")
            #expect(page["overflows_phone"] as? Bool == false, "\(name) scrolls sideways at phone width")
            #expect(FileManager.default.fileExists(atPath: "\(output)/\(name).png") && FileManager.default.fileExists(atPath: "\(output)/\(name)-phone.png"))
        }
        func text(_ page: String) -> String { pages[page]?["text"] as? String ?? "" }
        func h1(_ page: String) -> [String] { pages[page]?["h1"] as? [String] ?? [] }
        // The probe shows as text wherever it appears, and never runs.
        #expect(text("models").contains(Self.probe) && text("model").contains(Self.probe) && text("run").contains(Self.probe))
        #expect(h1("model") == ["fraud"] && text("model").contains("Feature service"))
        #expect(text("model").contains("fraud-health") && text("model").contains("firing"), "the model page shows its monitors' last checks")
        #expect(
            text("model").contains("Mean |SHAP| of each input over the") && (pages["model"]?["svg"] as? Int ?? 0) >= 1,
            "the model page shows the champion's global importance")
        #expect((pages["run"]?["svg"] as? Int ?? 0) >= 1, "the run page draws its metric curves")
        #expect((pages["runs-by-auc"]?["url"] as? String)?.contains("sort=metrics.") == true && h1("runs-by-auc") == ["fraud-detection"])
        #expect(text("runs-by-auc").contains("sorted by metrics.`auc` descending"))
        #expect(h1("compare") == ["Comparing 2 runs"])
        #expect(text("monitoring").contains("fraud-health") && text("monitoring").contains("firing"))
        #expect((pages["monitoring-model"]?["svg"] as? Int ?? 0) >= 4 && h1("monitoring-model") == ["fraud version 1"])
        // The page also reads this server's own histograms: the probe's prediction (routed by the running A/B test) shows there.
        #expect(
            text("monitoring-model").contains("Live latency on this server") && text("monitoring-model").contains(" total 1 "),
            "\(text("monitoring-model").components(separatedBy: "Live latency").last ?? "")")
        #expect(text("experiments").contains("fraud-detection"))
        #expect(h1("not-found") == ["404 Not Found"])
        #expect(h1("sign-in") == ["Sign in"] && text("sign-in").contains("Token"))
        #expect(text("features").contains("customer_stats") && text("features").contains("fraud_model") && (pages["features"]?["tables"] as? Int) == 4)
        #expect(text("pipelines").contains("nightly") && text("pipeline-run").contains("score, task 2, attempt 1: succeeded"))
        #expect((pages["pipeline-run"]?["logs"] as? Int ?? 0) == 4, "materialize, two score shards, monitor")
        #expect(text("ab").contains("ui-test") && text("ab-experiment").contains("Sample ratio p") && text("ab-experiment").contains("Promote challenger"))
    }

    @Test func promotingNeedsAWriteTokenAndASameSiteForm() async throws {
        let directory = try TemporaryDirectory()
        let (project, kite, _, _) = try await MonitorCommandTests.trainedProject(in: directory)
        // Version 2: the same config again (the same AUC, so its gate against the champion passes).
        let second = try await kite(["train", project + "/train/gbdt.yaml"])
        #expect(second.status == 0, "\(second.standardOutput)\(second.standardError)")
        try await Self.startExperiment(project: project, directory: directory, kite: kite)
        let read = try await kite(["tokens", "create", "--role", "read"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let write = try await kite(["tokens", "create", "--role", "write"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try ServerProcess(TestEnvironment.kiteBinary, ["serve", "--auth", "--port", "0", "--project", project], in: directory.path)
        defer { server.stop() }
        let result = try await Subprocess.run(
            TestEnvironment.python,
            [TestEnvironment.peerScript("ui_peer.py"), "promote", "http://127.0.0.1:\(server.port)", "ui-test", "challenger", read, write])
        #expect(result.status == 0, "\(result.standardError)")
        let steps = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: [String: Any]])
        func status(_ step: String) -> Int? { steps[step]?["status"] as? Int }
        func location(_ step: String) -> String { steps[step]?["location"] as? String ?? "" }
        #expect(status("anonymous") == 303 && location("anonymous").hasPrefix("/ui/login?next="), "\(steps["anonymous"] ?? [:])")
        #expect(status("sign_in_read") == 303 && location("sign_in_read") == "/ui/ab/ui-test")
        #expect(status("read_page") == 200 && (steps["read_page"]?["body"] as? String)?.contains("Promote challenger") == true)
        #expect(status("read_promote") == 303 && location("read_promote").contains("failed=1"), "a read token cannot promote")
        #expect(status("cross_site") == 403, "a form from another site is refused")
        #expect(status("write_promote") == 303 && location("write_promote") == "/ui/ab/ui-test", "\(steps["write_promote"] ?? [:])")
        #expect((steps["after"]?["body"] as? String)?.contains("stopped") == true)
        // Signing out clears the cookie: the next page sends the browser to sign in again.
        #expect((steps["read_page"]?["body"] as? String)?.contains(#"<form method="post" action="/ui/logout""#) == true)
        #expect(status("sign_out") == 303 && location("sign_out") == "/ui/login", "\(steps["sign_out"] ?? [:])")
        #expect(status("signed_out") == 303 && location("signed_out").hasPrefix("/ui/login?next="), "\(steps["signed_out"] ?? [:])")
        let models = try await kite(["models", "show", "fraud"])
        #expect(models.standardOutput.contains("alias champion → version 2"), "\(models.standardOutput)")
        let experiment = try await kite(["ab", "list"])
        #expect(experiment.standardOutput.contains("stopped"), "\(experiment.standardOutput)")
    }

    /// Creates and starts experiment `ui-test` on fraud: control fraud@v1, challenger fraud@latest.
    static func startExperiment(project: String, directory: TemporaryDirectory, kite: ([String]) async throws -> ProcessResult) async throws {
        let file = directory.file("experiment.yaml")
        try """
        key: ui-test
        model: fraud
        unit: customer_id
        variants:
          - {name: control, model: v1, weight: 0.5}
          - {name: challenger, model: latest, weight: 0.5}
        metrics: [fraud_caught]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        for step in [["ab", "create", file], ["ab", "start", "ui-test"]] {
            let result = try await kite(step)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
    }
}
