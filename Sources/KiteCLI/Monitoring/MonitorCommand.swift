import ArgumentParser
import Features
import Foundation
import KiteCore
import KiteServer
import Monitoring
import Registry
import Serving

/// `kite monitor`: the health of served models from the prediction log.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Data drift of served models, from the prediction log, or of any two tables.",
        subcommands: [Report.self, Labels.self, Check.self, Drift.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "A model version's health report: performance, estimated performance, latency and drift, from the prediction log.",
            discussion: """
                Performance: day by day, the metrics on the predictions whose labels arrived (kite monitor labels), \
                for binary classifiers the metrics NannyML's CBPE estimates from the scores alone, and request \
                latency percentiles, next to the version's holdout metrics. Drift: the reference is the version's \
                training holdout, which kite train records with each run (reference/reference.parquet among the \
                run's artifacts). Each input and the prediction is tested as \
                Evidently's DataDriftPreset would test it (KS or chi-square/z below 1,001 reference rows, normed \
                Wasserstein or Jensen-Shannon above; --method to choose one for every column), and the dataset counts \
                as drifted when the share of drifted columns reaches --drift-share. --out ending in .html writes a \
                self-contained page (inline SVG, no network); .json writes the same figures as JSON.
                """)
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The model: NAME (its champion), NAME@ALIAS, NAME@vN or NAME@latest.") var model: String
        @Option(help: "How far back from --until the prediction log is read (e.g. 24h, 7d).") var window = "7d"
        @Option(help: "The end of the window (ISO 8601); now by default.") var until: String?
        @Option(help: "Compare with the log's rows of this earlier window (START/END, ISO 8601) instead of the run's holdout.")
        var referenceWindow: String?
        @OptionGroup var settings: DriftSettings

        func run() async throws {
            let span = try TimeSpan(parsing: window)
            let end = try until.map { try Timestamp.parse($0) } ?? WallClock.system.now()
            let referenceRange = try referenceWindow.map { text -> ClosedRange<Int64> in
                let parts = text.split(separator: "/").map(String.init)
                guard parts.count == 2, let start = try? Timestamp.parse(parts[0]), let stop = try? Timestamp.parse(parts[1]), start < stop else {
                    throw ValidationError("--reference-window must be START/END in ISO 8601, START before END (e.g. 2026-02-01T00:00:00Z/2026-02-08T00:00:00Z)")
                }
                return start...stop
            }
            let reference = model.contains("@") ? model : model + "@champion"
            let report = try await StoragePath.withS3 { s3 in
                let configuration = try options.configuration()
                let artifacts = try options.artifactStore(configuration, s3: s3)
                let store = try options.offlineStore(configuration, s3: s3)
                return try await options.withRegistry(configuration) { registry in
                    let version = try await ModelLoader.version(reference: reference, registry: registry)
                    return try await ModelReport.run(
                        version: version, window: (end - span.microseconds)...end, referenceWindow: referenceRange, registry: registry,
                        artifacts: artifacts, store: store, options: settings.options)
                }
            }
            try settings.write(report) { try ModelReportPage.render(report) }
            let (drift, total) = (report.drift, report.performance.total)
            let metric = report.performance.primaryMetric
            Terminal.standardOutput(
                "\(drift.model) version \(drift.version): \(total.predictions) predictions, \(total.labelled) labelled"
                    + (total.realized[metric].map { ", \(metric) \(String(format: "%.4f", $0))" } ?? "")
                    + (total.estimated(metric).map { ", estimated \(metric) \(String(format: "%.4f", $0))" } ?? "")
                    + (report.performance.holdout[metric].map { " (holdout \(String(format: "%.4f", $0)))" } ?? "") + "\n"
                    + settings.summary(drift.drift, "drift", currentRows: drift.currentRows, referenceRows: drift.referenceRows))
        }
    }

    struct Labels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "labels",
            abstract: "Add labels that arrived for a model's predictions (ground truth), for its performance over time.",
            discussion: """
                The file (Parquet or CSV, local or s3://) has label and either request_id — the id a prediction \
                request was sent with ("id" in the body) or answered with; for requests of several rows, also the \
                entity key columns (e.g. customer_id) that tell the rows apart — or a timestamp and entity keys: \
                the label is then that entity's latest prediction at or before the time. Labels are kept in the \
                offline store under labels/model=NAME/; a later label of the same prediction replaces an earlier one.
                """)
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The registered model the labels are for.") var model: String
        @Argument(help: "The labels file.") var file: String

        func run() async throws {
            let (key, rows) = try await StoragePath.withS3 { s3 in
                let configuration = try options.configuration()
                try await options.withRegistry(configuration) { [model] in _ = try await $0.registeredModel(name: model) }
                return try await LabelStore.append(
                    try await TableReader.read(file, s3: s3), model: model, store: try options.offlineStore(configuration, s3: s3),
                    now: WallClock.system.now())
            }
            Terminal.standardOutput("added \(rows) labels for \(model) → \(key)\n")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Evaluate the project's monitors (monitors/*.yaml) and notify alerts that started firing or resolved.",
            discussion: """
                Each monitor names a model (NAME for its champion, NAME@ALIAS, NAME@vN), a window of the prediction \
                log (default 1d) and rules such as 'drift_share > 0.3', 'auc < champion.auc - 0.02' or \
                'p99_latency_ms > 20'. A rule notifies its webhook (a JSON POST, retried) once when it starts firing \
                and once when it resolves; the state is kept in the offline store (monitors/state/), so checks on a \
                schedule (a pipeline step: command: [monitor, check]) never repeat a notification, and a failed one is \
                sent again at the next check. Variables: \(MonitorDefinition.variables.joined(separator: ", ")). A \
                rule whose variable has no value (no labels yet) has no data and changes nothing.
                """)
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The monitors to check; all by default.") var names: [String] = []
        @Option(help: "Check as of this time (ISO 8601); now by default.") var at: String?

        func run() async throws {
            let configuration = try options.configuration()
            let all = try MonitorDefinition.loadAll(folder: configuration.folder + "/monitors")
            let unknown = names.filter { name in !all.contains { $0.name == name } }
            guard unknown.isEmpty else {
                throw KiteError(.notFound, "no monitor named \(unknown.joined(separator: ", ")) in \(configuration.folder)/monitors")
            }
            let monitors = names.isEmpty ? all : all.filter { names.contains($0.name) }
            guard !monitors.isEmpty else { throw KiteError(.notFound, "\(configuration.folder)/monitors has no monitor files (*.yaml)") }
            // Secrets come from the environment: a monitor names the variable holding its webhook.
            let environment = ProcessInfo.processInfo.environment
            for monitor in monitors {
                if let variable = monitor.webhookVariable, environment[variable]?.isEmpty ?? true {
                    throw KiteError.invalidArgument("monitor \(monitor.name) sends to the webhook in $\(variable), which is not set")
                }
            }
            let now = try at.map { try Timestamp.parse($0) } ?? WallClock.system.now()
            var undelivered: [String] = []
            try await StoragePath.withS3 { s3 in
                let artifacts = try options.artifactStore(configuration, s3: s3)
                let store = try options.offlineStore(configuration, s3: s3)
                try await options.withRegistry(configuration) { registry in
                    try await WebhookClient.with { client in
                        for monitor in monitors {
                            let webhook = monitor.webhook ?? monitor.webhookVariable.flatMap { environment[$0] }
                            let result = try await MonitorCheck.run(
                                monitor, webhook: webhook, now: now, registry: registry, artifacts: artifacts, store: store, client: client)
                            Terminal.standardOutput(Self.summary(monitor, result))
                            if result.delivered == false { undelivered.append(monitor.name) }
                        }
                    }
                }
            }
            if !undelivered.isEmpty {
                throw KiteError(.unavailable, "could not notify \(undelivered.joined(separator: ", ")); the next check sends the changes again")
            }
        }

        static func summary(_ monitor: MonitorDefinition, _ result: MonitorCheck.Result) -> String {
            let rules = monitor.rules.map { rule -> String in
                let state = result.state.rules[rule.name]
                let value = state?.value.map { " (\(String(format: "%.4g", $0)))" } ?? ""
                return "  \(state?.status.rawValue ?? "no_data"): \(rule.name)\(value)"
            }
            var text = "\(monitor.name) (\(monitor.model)): \(result.transitions.count) change\(result.transitions.count == 1 ? "" : "s")"
            switch result.delivered {
            case true?: text += ", notified"
            case false?: text += ", NOT notified: \(result.deliveryError ?? "")"
            case nil: text += result.transitions.isEmpty ? "" : " (no webhook)"
            }
            return text + "\n" + rules.joined(separator: "\n") + "\n"
        }
    }

    struct Drift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drift",
            abstract: "The drift of one table against another (Parquet or CSV, local or s3://), column by column.",
            discussion: """
                Every column of the reference (or --columns) is tested as Evidently's DataDriftPreset would test it: \
                numbers with more than five values by KS (up to 1,000 reference rows) or normed Wasserstein, fewer \
                values and text by chi-square or z (up to 1,000 rows) or Jensen-Shannon; --method picks one test for \
                every column. Nulls, NaN and infinities are left out; a column empty in either table is reported as \
                skipped.
                """)
        @Option(help: "The reference table (e.g. the training set).") var reference: String
        @Option(help: "The current table (e.g. last week's inputs).") var current: String
        @Option(help: "The columns to compare, comma-separated; every column of the reference by default.") var columns: String?
        @OptionGroup var settings: DriftSettings

        func run() async throws {
            let (referenceFrame, currentFrame) = try await StoragePath.withS3 { s3 in
                (try await TableReader.read(reference, s3: s3), try await TableReader.read(current, s3: s3))
            }
            let names = columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let drift = try await DriftAnalysis.run(reference: referenceFrame, current: currentFrame, columns: names, options: settings.options)
            try settings.write(drift) {
                try DriftReportPage.render(
                    drift, heading: "Drift of \((current as NSString).lastPathComponent)", subtitle: "\(current) against \(reference).",
                    referenceRows: referenceFrame.rowCount, currentRows: currentFrame.rowCount)
            }
            Terminal.standardOutput(settings.summary(drift, current, currentRows: currentFrame.rowCount, referenceRows: referenceFrame.rowCount))
        }
    }

    /// The options every drift command shares, and writing its report.
    struct DriftSettings: ParsableArguments {
        @Option(help: "Where to write the report: a .html or .json file.") var out: String
        @Option(help: "One test for every column: \(DriftMethod.allCases.map(\.rawValue).joined(separator: ", ")).") var method: String?
        @Option(help: "The share of drifted columns at which the dataset counts as drifted.") var driftShare = 0.5

        func validate() throws {
            guard out.hasSuffix(".html") || out.hasSuffix(".json") else { throw ValidationError("--out must end in .html or .json") }
            guard driftShare > 0, driftShare <= 1 else { throw ValidationError("--drift-share must be in (0, 1]") }
            if let method, DriftMethod(rawValue: method) == nil {
                throw ValidationError("--method must be one of \(DriftMethod.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        var options: DriftOptions {
            var options = DriftOptions()
            options.driftShare = driftShare
            options.method = method.flatMap(DriftMethod.init(rawValue:))
            return options
        }

        /// Writes `value` as JSON, or the page `html` makes, to --out (whole or not at all).
        func write<T: Encodable>(_ value: T, html: () throws -> String) throws {
            let text: String
            if out.hasSuffix(".json") {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
                text = String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
            } else {
                text = try html()
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
        }

        /// The report's one line on the terminal.
        func summary(_ drift: DriftReport, _ subject: String, currentRows: Int, referenceRows: Int) -> String {
            "\(subject): \(drift.driftedColumns) of \(drift.testedColumns) columns drifted (share \(String(format: "%.2f", drift.driftShare)); "
                + "dataset drift: \(drift.datasetDrift ? "yes" : "no")) over \(currentRows) rows against \(referenceRows) reference rows → \(out)\n"
        }
    }
}
