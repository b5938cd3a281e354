import Foundation
import KiteCore
import KiteTesting
import Parquet
import Testing

/// `kite monitor report` as a user runs it: a trained model, a prediction log with one input shifted, the report
/// in JSON (values equal to Evidently's on the same files) and in HTML.
@Suite struct MonitorCommandTests {
    @Test func reportFindsTheShiftedInputAndEqualsEvidently() async throws {
        let directory = try TemporaryDirectory()
        let (project, kite, reference, holdout) = try await Self.trainedProject(in: directory)
        #expect(holdout.rowCount > 100 && holdout["prediction"] != nil && holdout["probability"] != nil && holdout["amount"] != nil)
        // A day of served predictions: the holdout again, with amounts tripled, one request per row; labels for
        // the first half of them arrive later.
        let log = try await Self.logDay(project: project, holdout: holdout, day: "2026-03-01", amountFactor: 3)
        let requests = (0..<holdout.rowCount).map { "request-\($0)" }

        let labelled = holdout.rowCount / 2
        let truth = try #require(holdout["is_fraud"])
        try await ParquetWriter.write(
            try DataFrame([("request_id", .strings(Array(requests.prefix(labelled)))), ("label", try truth.slice(0..<labelled))]),
            to: directory.file("labels.parquet"))
        let added = try await kite(["monitor", "labels", "fraud", directory.file("labels.parquet")])
        #expect(added.status == 0 && added.standardOutput.hasPrefix("added \(labelled) labels for fraud"), "\(added.standardError)")

        let json = directory.file("report.json")
        let report = try await kite(["monitor", "report", "fraud", "--until", "2026-03-02T00:00:00Z", "--window", "2d", "--out", json])
        #expect(report.status == 0, "\(report.standardError)")
        #expect(report.standardOutput.hasPrefix("fraud version 1: \(holdout.rowCount) predictions, \(labelled) labelled"), "\(report.standardOutput)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let modelDrift = try #require(document["drift"] as? [String: Any])
        #expect(modelDrift["currentRows"] as? Int == holdout.rowCount && modelDrift["referenceRows"] as? Int == holdout.rowCount)
        let drift = try #require(modelDrift["drift"] as? [String: Any])
        let entries = try #require(drift["columns"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: entries.compactMap { entry in (entry["column"] as? String).map { ($0, entry) } })
        #expect(byName["amount"]?["drifted"] as? Bool == true)
        #expect(byName["txn_count_7d"]?["drifted"] as? Bool == false)
        #expect(byName["prediction"] != nil && byName["probability"] != nil && byName["is_fraud"] == nil)

        // Evidently on the same two files gives the same values.
        let numerical = entries.filter { $0["kind"] as? String == "numerical" }.compactMap { $0["column"] as? String }
        let categorical = entries.filter { $0["kind"] as? String == "categorical" }.compactMap { $0["column"] as? String }
        let spec = String(decoding: try JSONSerialization.data(withJSONObject: ["numerical": numerical, "categorical": categorical]), as: UTF8.self)
        let peer = try await Subprocess.run(
            try TestServices.monitorPython(), [TestEnvironment.peerScript("drift_peer.py"), "drift", reference, log + "/part-1.parquet", spec])
        #expect(peer.status == 0, "\(peer.standardError)")
        let evidently = try #require(try JSONSerialization.jsonObject(with: Data(peer.standardOutput.utf8)) as? [String: Any])
        let theirs = try #require(evidently["columns"] as? [String: [String: Any]], "\(evidently)")
        #expect(theirs.count == entries.count)
        for (name, entry) in theirs {
            let ours = try #require(byName[name]?["value"] as? Double, "\(name)")
            let value = try #require(entry["value"] as? Double)
            #expect(PeerValue.close(ours, value), "\(name): Kite \(ours), Evidently \(value)")
        }

        // Performance: realized on the labelled half equals the metric on those rows of the holdout (same rows,
        // same scores); every row estimated; latency percentiles as numpy's.
        let performance = try #require(document["performance"] as? [String: Any])
        let total = try #require(performance["total"] as? [String: Any])
        #expect(total["predictions"] as? Int == holdout.rowCount && total["labelled"] as? Int == labelled)
        let realized = try #require(total["realized"] as? [String: Double])
        let probabilities = try #require(holdout["probability"]).doubles()
        let labels = (0..<labelled).map { truth.scalar(at: $0) == .bool(true) ? 1.0 : 0 }
        let auc = try Self.rocAUC(labels: labels, scores: Array(probabilities.prefix(labelled)))
        #expect(abs((realized["auc"] ?? 0) - auc) < 1e-12, "\(realized)")
        let estimated = try #require(total["estimated"] as? [String: Any])
        // (Its values equal NannyML's: ConfidenceBasedEstimationTests; here, that every prediction was estimated.)
        #expect(estimated["rows"] as? Int == holdout.rowCount && (estimated["rocAUC"] as? Double ?? 0) > 0.5, "\(estimated)")
        #expect(total["latencyP50"] as? Double == Self.percentile((0..<holdout.rowCount).map { 1 + Double($0 % 100) / 100 }, 50))
        #expect((performance["holdout"] as? [String: Double])?["auc"] != nil)
        let stages = try #require(total["stages"] as? [String: [String: Double]])
        let featuresP95 = Self.percentile((0..<holdout.rowCount).map { Double(400 + $0 % 100 * 2) / 1000 }, 95)
        let scoringP99 = Self.percentile((0..<holdout.rowCount).map { Double(600 + $0 % 100 * 8) / 1000 }, 99)
        #expect(PeerValue.close(stages["features"]?["p95"] ?? 0, featuresP95, tolerance: 1e-12), "\(stages)")
        #expect(PeerValue.close(stages["scoring"]?["p99"] ?? 0, scoringP99, tolerance: 1e-12), "\(stages)")

        // Labels of the other half arrive by entity and time: each labels the entity's latest prediction at or
        // before its time; one for an entity never predicted, and one older than its prediction, label nothing.
        let rest = Array(labelled..<holdout.rowCount)
        let later = try Timestamp.parse("2026-03-01T13:00:00Z")
        let earlier = try Timestamp.parse("2026-03-01T11:00:00Z")
        try await ParquetWriter.write(
            try DataFrame([
                ("row", .int64s(rest.map { Int64($0) } + [Int64(holdout.rowCount + 5), 0])),
                ("timestamp", .timestamps(rest.map { _ in later } + [later, earlier])),
                ("label", try DataColumn.concatenate([try truth.slice(labelled..<holdout.rowCount), try truth.slice(0..<2)])),
            ]), to: directory.file("labels-by-time.parquet"))
        #expect(try await kite(["monitor", "labels", "fraud", directory.file("labels-by-time.parquet")]).status == 0)
        let again = try await kite(["monitor", "report", "fraud", "--until", "2026-03-02T00:00:00Z", "--window", "2d", "--out", json])
        #expect(again.standardOutput.hasPrefix("fraud version 1: \(holdout.rowCount) predictions, \(holdout.rowCount) labelled"), "\(again.standardOutput)")
        let everything = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let allLabels = (0..<holdout.rowCount).map { truth.scalar(at: $0) == .bool(true) ? 1.0 : 0 }
        let fullAUC = try Self.rocAUC(labels: allLabels, scores: probabilities)
        let realizedAll = ((everything["performance"] as? [String: Any])?["total"] as? [String: Any])?["realized"] as? [String: Double]
        #expect(abs((realizedAll?["auc"] ?? 0) - fullAUC) < 1e-12, "\(realizedAll ?? [:])")
        try await ParquetWriter.write(try DataFrame([("label", try truth.slice(0..<3))]), to: directory.file("labels-unjoinable.parquet"))
        let unjoinable = try await kite(["monitor", "labels", "fraud", directory.file("labels-unjoinable.parquet")])
        #expect(unjoinable.status == 1 && unjoinable.standardError.contains("need a 'request_id' column"), "\(unjoinable.standardError)")

        // The HTML report is one self-contained page with a chart per column.
        let html = directory.file("report.html")
        #expect(try await kite(["monitor", "report", "fraud@champion", "--until", "2026-03-02T00:00:00Z", "--out", html]).status == 0)
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.components(separatedBy: "<svg").count - 1 == entries.count + 2)
        #expect(page.contains("<th scope=\"row\">amount</th>") && !page.contains("<script"))
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http"))

        // Against an earlier window of the log instead of the holdout: the same rows, so nothing drifts.
        let windowed = try await kite([
            "monitor", "report", "fraud", "--until", "2026-03-02T00:00:00Z", "--window", "2d", "--reference-window",
            "2026-03-01T00:00:00Z/2026-03-01T23:59:59Z", "--out", json,
        ])
        #expect(windowed.status == 0 && windowed.standardOutput.contains("drift: 0 of \(entries.count) columns drifted"), "\(windowed.standardOutput)")
        let badWindow = try await kite(["monitor", "report", "fraud", "--reference-window", "2026-03-01", "--out", json])
        #expect(badWindow.status != 0 && badWindow.standardError.contains("--reference-window must be START/END"), "\(badWindow.standardError)")

        // Mistakes are one clear line.
        let empty = try await kite(["monitor", "report", "fraud", "--until", "2026-01-01T00:00:00Z", "--out", json])
        #expect(empty.status == 1 && empty.standardError.contains("the prediction log has no rows of fraud version 1"), "\(empty.standardError)")
        let badOut = try await kite(["monitor", "report", "fraud", "--out", directory.file("report.txt")])
        #expect(badOut.status != 0 && badOut.standardError.contains("--out must end in .html or .json"))
    }

    /// The fraud example at 3,000 rows, applied, trained (fraud version 1, aliased champion): the project, a
    /// `kite … --project` runner, the run's reference file and its rows (the holdout, scored).
    static func trainedProject(
        in directory: TemporaryDirectory
    ) async throws -> (project: String, kite: @Sendable ([String]) async throws -> ProcessResult, reference: String, holdout: DataFrame) {
        let project = directory.file("fraud")
        let kite: @Sendable ([String]) async throws -> ProcessResult = { arguments in
            try await Subprocess.run(TestEnvironment.kiteBinary, arguments + ["--project", project])
        }
        #expect(try await Subprocess.run(TestEnvironment.kiteBinary, ["init", "--example", "fraud", "--rows", "3000", project]).status == 0)
        for step in [["apply"], ["train", project + "/train/gbdt.yaml"], ["models", "alias", "fraud", "1", "champion"]] {
            let result = try await kite(step)
            #expect(result.status == 0, "\(step): \(result.standardError)")
        }
        // The run kept its holdout, scored, as the reference.
        let reference = try #require(Self.files(named: "reference.parquet", under: project + "/.kite/artifacts").first)
        return (project, kite, reference, try await ParquetReader(path: reference).read())
    }

    /// Writes a day of the prediction log (at noon): the holdout's rows with `amount` multiplied by
    /// `amountFactor`, one request per row (`request-N`, entity `{"row": N}`), latencies 1.00–1.99 ms (features 0.4–0.6 ms, scoring the
    /// rest). Returns the day's folder.
    static func logDay(project: String, holdout: DataFrame, day: String, amountFactor: Double) async throws -> String {
        let time = try Timestamp.parse(day + "T12:00:00Z")
        let amounts = try holdout.column("amount").doubles().map { Optional($0 * amountFactor) }
        var columns = zip(holdout.schema.fields.map(\.name), holdout.columns).map { ($0 == "amount" ? ($0, .float64s(amounts)) : ($0, $1)) }
        columns += [
            ("timestamp", .timestamps(Array(repeating: time, count: holdout.rowCount))),
            ("model_version", .int64s(Array(repeating: 1, count: holdout.rowCount))),
            ("request_id", .strings((0..<holdout.rowCount).map { "request-\($0)" })),
            ("entities", .strings((0..<holdout.rowCount).map { #"{"row":\#($0)}"# })),
            ("latency_us", .int64s((0..<holdout.rowCount).map { Int64(1_000 + $0 % 100 * 10) })),
            ("features_us", .int64s((0..<holdout.rowCount).map { Int64(400 + $0 % 100 * 2) })),
            ("scoring_us", .int64s((0..<holdout.rowCount).map { Int64(600 + $0 % 100 * 8) })),
        ]
        let log = project + "/data/predictions/model=fraud/date=" + day
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: true)
        try await ParquetWriter.write(try DataFrame(columns), to: log + "/part-1.parquet")
        return log
    }

    /// ROC AUC by counting ordered pairs (ties count half), the definition itself.
    static func rocAUC(labels: [Double], scores: [Double]) throws -> Double {
        let positives = labels.indices.filter { labels[$0] == 1 }.map { scores[$0] }
        let negatives = labels.indices.filter { labels[$0] == 0 }.map { scores[$0] }
        var wins = 0.0
        for p in positives { for n in negatives { wins += p > n ? 1 : p == n ? 0.5 : 0 } }
        return wins / Double(positives.count * negatives.count)
    }

    /// numpy's default percentile (linear between closest ranks).
    static func percentile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        let position = q / 100 * Double(sorted.count - 1)
        let below = Int(position)
        return sorted[below] + (sorted[min(below + 1, sorted.count - 1)] - sorted[below]) * (position - Double(below))
    }

    static func files(named name: String, under root: String) -> [String] {
        let paths = FileManager.default.enumerator(atPath: root)?.allObjects.compactMap { $0 as? String } ?? []
        return paths.filter { $0.hasSuffix("/" + name) }.map { root + "/" + $0 }
    }
}
