import ArgumentParser
import Dispatch
import Features
import Foundation
import KiteCore
import KiteServer
import Learning
import Monitoring
import ObjectStorage
import Parquet
import Pipelines
import Registry
import Serving
import Training

/// `kite demo`: the whole lifecycle on the example project, embedded defaults, no servers.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole lifecycle on the generated fraud example and say what each stage did.",
        discussion: """
            Stages so far: generate the example, apply its definitions, build a point-in-time training set, train a \
            gradient-boosted tree model and a logistic regression with the example's training configs \
            (train/gbdt.yaml, train/logistic.yaml: on the earlier 80% of transactions, tested on the later 20%), \
            track both as runs and register them as model 'fraud', the better one as fraud@champion. \
            'kite predict fraud@champion' scores files with it. Then the online views are materialized into the \
            embedded online store and a few customers' features are fetched over HTTP from the feature server, as \
            'kite serve --project DIR' serves them (with the registry to the mlflow client), and predictions made; \
            every labelled transaction is scored in batch as of its own time (kite batch-predict, into scores/); \
            the nightly pipeline (materialize, then batch-predict in two shards) runs once; \
            and an A/B test between the two versions runs on simulated traffic and delayed labels.
            """
    )

    @Option(help: "How many transactions to generate.")
    var rows: Int = 1_000_000

    @Option(help: "Keep the project in this folder instead of a temporary one.")
    var keep: String?

    func validate() throws {
        guard rows >= 100 else { throw ValidationError("--rows must be at least 100") }
    }

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        let folder = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("kite-demo-\(UUID().uuidString.prefix(8))").path
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: folder) } }
        var clock = DispatchTime.now().uptimeNanoseconds
        func stage(_ name: String, _ detail: String) {
            let now = DispatchTime.now().uptimeNanoseconds
            Terminal.standardOutput("[\(name)] \(detail) (\(String(format: "%.2f", Double(now - clock) / 1e9)) s)\n")
            clock = now
        }
        Terminal.standardOutput("kite demo: the fraud example in \(folder)\n")

        let summary = try await FraudExample(rows: rows).write(to: folder)
        stage(
            "generate",
            "\(summary.transactions) transactions, \(summary.customers) customers, \(summary.merchants) merchants, "
                + "\(String(format: "%.1f", summary.fraudRate * 100))% fraud")

        var options = ProjectOptions()
        options.project = folder
        stage("apply", try await ApplyCommand.apply(options, s3: s3))

        let configuration = try options.configuration()
        let (definitions, version) = try await options.appliedDefinitions(configuration)
        let builder = TrainingSetBuilder(definitions: definitions, offlineStore: try options.offlineStore(configuration, s3: s3))
        let labels = try await ParquetReader(path: folder + "/data/labels.parquet").read()
        let (training, lineage) = try await builder.build(entities: labels, features: try builder.references(service: "fraud_model"))
        var writer = ParquetWriter.Configuration()
        writer.keyValueMetadata = [("kite.definitions_version", String(version.number)), ("kite.feature_service", "fraud_model")]
        try await ParquetWriter.write(training, to: folder + "/data/training_set.parquet", configuration: writer)
        let featureColumns = training.columns.dropFirst(labels.schema.count)
        let filled = featureColumns.map { 1 - Double($0.nullCount) / Double(Swift.max(1, $0.count)) }
        stage(
            "dataset",
            "\(training.rowCount) rows × \(featureColumns.count) features from \(lineage.sources.count) sources, "
                + "point-in-time correct; features present in \(Int((filled.min() ?? 0) * 100))–\(Int((filled.max() ?? 0) * 100))% of rows "
                + "→ data/training_set.parquet")

        // Train both of the example's configs; each run is tracked and registered when its gates pass.
        let best: (version: Int64, auc: Double)? = try await options.withRegistry(configuration) { store in
            var best: (version: Int64, auc: Double)?
            let artifacts = try options.artifactStore(configuration, s3: s3)
            for learner in ["gbdt", "logistic"] {
                let config = try TrainingConfiguration.load(path: folder + "/train/\(learner).yaml")
                let job = TrainingJob(configuration: config, project: configuration, s3: s3, sourceName: "kite demo")
                let result = try await job.run(registry: store, artifacts: artifacts)
                let auc = result.metrics["auc"] ?? 0
                let outcome = result.version.map { "fraud v\($0)" } ?? "not registered (a gate failed)"
                stage(
                    "train",
                    "\(learner): holdout AUC \(String(format: "%.4f", auc)), log loss \(String(format: "%.4f", result.metrics["log_loss"] ?? 0)) "
                        + "(trained on \(result.trainRows) earlier rows, tested on \(result.testRows) later ones); run \(result.runID.prefix(8)) → \(outcome)")
                if let version = result.version, auc > best?.auc ?? -1 { best = (version, auc) }
            }
            if let best { try await store.setAlias(name: "fraud", alias: "champion", version: String(best.version)) }
            return best
        }
        stage(
            "register",
            "fraud@champion → version \(best?.version ?? 0) (the higher holdout AUC); lineage: run, feature service fraud_model, "
                + "training set; train again with: kite train train/gbdt.yaml --project DIR; score a file with: kite predict fraud@champion "
                + "--project DIR --input FILE --out FILE")

        // Materialize the online views as of the example's last day, then serve a few customers' features.
        let dataEnd = FraudExample.start + Int64(FraudExample.days) * Timestamp.microsPerDay
        let offline = try options.offlineStore(configuration, s3: s3)
        let materialized = try await options.withRegistry(configuration) { registry in
            try await options.withOnlineStore(configuration) { online in
                let materializer = Materializer(definitions: definitions, offlineStore: offline, onlineStore: online)
                var parts: [String] = []
                for view in try materializer.views([]) {
                    let result = try await materializer.materialize(view, window: (dataEnd - view.ttl.microseconds)...dataEnd, recordingIn: registry)
                    parts.append("\(view.name): \(result.entitiesWritten) entities from \(result.rowsRead) rows")
                }
                return parts.joined(separator: ", ")
            }
        }
        stage("materialize", "\(materialized) → \(configuration.onlineStore) (the last ttl window before \(Timestamp.format(dataEnd)))")
        let entities = #""entities": {"customer_id": [1, 2, 3], "merchant_id": [1, 1, 2]}"#
        let amounts = [25.0, 250.0, 40.0]
        let (featureRows, predictionRows, explained) = try await DemoServer.with(
            project: configuration, s3: s3, offline: offline, artifacts: try options.artifactStore(configuration, s3: s3), now: dataEnd,
            models: ["fraud@champion"]
        ) { post in
            let features = try await post(
                "/get-online-features", #"{"feature_service": "fraud_model", \#(entities), "request_data": {"amount": \#(amounts)}}"#)
            let predictions = try await post("/v1/models/fraud/predict", #"{\#(entities), "request": {"amount": \#(amounts)}}"#)
            let explanation = try await post(
                "/v1/models/fraud/predict", #"{"entities": {"customer_id": [2], "merchant_id": [1]}, "request": {"amount": [250.0]}, "explain": true}"#)
            return (try DemoServer.rows(features), try DemoServer.predictions(predictions), try DemoServer.explanation(explanation))
        }
        stage(
            "serve",
            "POST /get-online-features {feature_service: fraud_model} on kite serve (in process, Feast's JSON):\n"
                + featureRows.map { "  " + $0 }.joined(separator: "\n"))
        stage(
            "predict",
            "POST /v1/models/fraud/predict on kite serve --model fraud@champion (features from the online store, amount from the request; "
                + "logged to data/predictions/):\n"
                + zip(amounts, predictionRows).enumerated().map { index, pair in "  customer \(index + 1), amount \(pair.0): \(pair.1)" }
                .joined(separator: "\n"))
        stage(
            "explain",
            "POST /v1/models/fraud/predict {\"explain\": true} (exact TreeSHAP of the champion, per input): customer 2, amount 250.0: "
                + explained + "; kite batch-predict --explain adds shap_<input> columns, and /ui/models/fraud charts mean |SHAP|")
        // Batch: every labelled transaction scored as of its own time, features joined from the offline store.
        let artifacts = try options.artifactStore(configuration, s3: s3)
        let (championVersion, championModel) = try await options.withRegistry(configuration) { registry in
            let version = try await ModelLoader.version(reference: "fraud@champion", registry: registry)
            return (version, try await ModelLoader.model(of: version, reference: "fraud@champion", registry: registry, artifacts: artifacts))
        }
        let job = BatchPrediction(
            scorer: try BatchScorer(model: championModel, explains: false), reference: "fraud@champion", version: championVersion.version,
            definitionsVersion: version.number)
        let batch = try await job.run(
            entities: try await ParquetReader(path: folder + "/data/labels.parquet"), entitiesName: "data/labels.parquet",
            builder: builder, output: try ObjectStores.openFolder(folder + "/scores"))
        stage(
            "batch",
            "kite batch-predict fraud@champion --entities data/labels.parquet --out scores/: \(batch.scored) of \(batch.rows) transactions "
                + "scored as of their own times (features joined point in time from the offline store, as kite serve would score them) "
                + "→ \(batch.files.count) files partitioned by date")
        // The nightly pipeline (pipelines/nightly.yaml), run once for the example's last day.
        let nightly = try PipelineFile.load(path: folder + "/pipelines/nightly.yaml")
        let (nightlyRun, nightlyEnding, nightlyAttempts) = try await options.withRegistry(configuration) { registry in
            let runner = try PipelinesCommand.runner(configuration: configuration, registry: registry, artifacts: artifacts)
            let (run, ending) = try await PipelinesCommand.runOnce(nightly, at: dataEnd, trigger: "manual", runner: runner)
            return (run, ending, try await registry.pipelineAttempts(runID: run.id))
        }
        guard nightlyEnding == .succeeded else {
            throw KiteError(
                .unavailable, "the nightly pipeline did not succeed (\(nightlyEnding)); see kite pipelines logs \(nightlyRun.id) --project \(folder)")
        }
        stage(
            "pipeline",
            "kite pipelines run nightly (pipelines/nightly.yaml) for \(Timestamp.formatDate(Int32(dataEnd / Timestamp.microsPerDay))): "
                + nightly.steps.map { step in
                    let tasks = nightlyAttempts.filter { $0.step == step.name && $0.status == "succeeded" }.count
                    return "\(step.name) \(tasks > 1 ? "(\(tasks) shards) " : "")succeeded"
                }.joined(separator: " → ") + "; runs are in the registry (kite pipelines runs nightly), scores in scores/nightly/; "
                + "kite scheduler runs it every night at 02:00 UTC")
        let abLines = try await options.withRegistry(configuration) { registry in
            try await DemoExperiment.run(
                project: configuration, s3: s3, offline: offline, artifacts: try options.artifactStore(configuration, s3: s3), now: dataEnd,
                champion: best?.version ?? 1, registry: registry)
        }
        stage(
            "ab",
            "experiment champion-vs-challenger: the last 2,000 transactions through kite serve, each customer routed by GrowthBook's "
                + "bucketing, fraud labels arriving later as outcomes (kite ab status):\n" + abLines.map { "  " + $0 }.joined(separator: "\n"))
        // Monitoring: the champion's performance on the labelled traffic, estimated performance, latency, and the
        // drift of its inputs and predictions against its training holdout.
        let report = try await options.withRegistry(configuration) { registry in
            let version = try await ModelLoader.version(reference: "fraud@champion", registry: registry)
            return try await ModelReport.run(
                version: version, window: (dataEnd - 7 * Timestamp.microsPerDay)...(dataEnd + Timestamp.microsPerDay), registry: registry,
                artifacts: artifacts, store: offline)
        }
        try FileManager.default.createDirectory(atPath: folder + "/reports", withIntermediateDirectories: true)
        try Data(try ModelReportPage.render(report).utf8).write(to: URL(fileURLWithPath: folder + "/reports/fraud.html"), options: .atomic)
        // The example's monitor (monitors/fraud.yaml), checked as kite monitor check would at the end of the traffic.
        let monitor = try MonitorDefinition.parse(FraudExample.monitorYAML, file: folder + "/monitors/fraud.yaml")
        let check = try await options.withRegistry(configuration) { registry in
            try await WebhookClient.with { client in
                try await MonitorCheck.run(
                    monitor, webhook: nil, now: dataEnd + Timestamp.microsPerDay, registry: registry, artifacts: artifacts, store: offline, client: client)
            }
        }
        let rules = monitor.rules.map { rule in "\(rule.name): \(check.state.rules[rule.name]?.status.rawValue ?? "no_data")" }
        let (drift, total) = (report.drift.drift, report.performance.total)
        let drifted = drift.columns.filter(\.drifted).map(\.column)
        let format = { (value: Double?) in value.map { String(format: "%.4f", $0) } ?? "n/a" }
        stage(
            "monitor",
            "kite monitor report fraud --window 7d: \(total.predictions) logged predictions of version \(report.drift.version), \(total.labelled) "
                + "labelled: AUC \(format(total.realized["auc"])) (estimated before labels by CBPE: \(format(total.estimated("auc"))); holdout "
                + "\(format(report.performance.holdout["auc"]))), latency p50 \(format(total.latencyP50)) ms; drift: \(drift.driftedColumns) of "
                + "\(drift.testedColumns) columns\(drifted.isEmpty ? "" : " (\(drifted.prefix(4).joined(separator: ", "))\(drifted.count > 4 ? ", …" : ""))")"
                + " against the \(report.drift.referenceRows)-row holdout → reports/fraud.html; kite monitor check (monitors/fraud.yaml): "
                + rules.joined(separator: ", "))
        if keep != nil { Terminal.standardOutput("the project is kept in \(folder)\n") }
    }
}
