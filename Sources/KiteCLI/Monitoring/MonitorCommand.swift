import ArgumentParser
import Foundation
import KiteCore
import KiteServer
import Monitoring
import Registry
import Serving

/// `kite monitor`: the health of served models from the prediction log.
struct MonitorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Data drift of served models, from the prediction log.",
        subcommands: [Report.self])

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A model version's drift report: its inputs and predictions in the prediction log against its reference.",
            discussion: """
                The reference is the version's training holdout, which kite train records with each run \
                (reference/reference.parquet among the run's artifacts). Each input and the prediction is tested as \
                Evidently's DataDriftPreset would test it (KS or chi-square/z below 1,001 reference rows, normed \
                Wasserstein or Jensen-Shannon above; --method to choose one for every column), and the dataset counts \
                as drifted when the share of drifted columns reaches --drift-share. --out ending in .html writes a \
                self-contained page (inline SVG, no network); .json writes the same figures as JSON.
                """)
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The model: NAME (its champion), NAME@ALIAS, NAME@vN or NAME@latest.") var model: String
        @Option(help: "How far back from --until the prediction log is read (e.g. 24h, 7d).") var window = "7d"
        @Option(help: "The end of the window (ISO 8601); now by default.") var until: String?
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

        func run() async throws {
            let span = try TimeSpan(parsing: window)
            let end = try until.map { try Timestamp.parse($0) } ?? WallClock.system.now()
            var driftOptions = DriftOptions()
            driftOptions.driftShare = driftShare
            driftOptions.method = method.flatMap(DriftMethod.init(rawValue:))
            let reference = model.contains("@") ? model : model + "@champion"
            let report = try await StoragePath.withS3 { s3 in
                let configuration = try options.configuration()
                let artifacts = try options.artifactStore(configuration, s3: s3)
                let store = try options.offlineStore(configuration, s3: s3)
                return try await options.withRegistry(configuration) { registry in
                    let version = try await ModelLoader.version(reference: reference, registry: registry)
                    return try await ModelDrift.run(
                        version: version, window: (end - span.microseconds)...end, registry: registry, artifacts: artifacts, store: store,
                        options: driftOptions)
                }
            }
            let text: String
            if out.hasSuffix(".json") {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
                text = String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
            } else {
                text = try DriftReportPage.render(report)
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            let drift = report.drift
            Terminal.standardOutput(
                "\(report.model) version \(report.version): \(drift.driftedColumns) of \(drift.testedColumns) columns drifted "
                    + "(share \(String(format: "%.2f", drift.driftShare)); dataset drift: \(drift.datasetDrift ? "yes" : "no")) "
                    + "over \(report.currentRows) predictions against \(report.referenceRows) reference rows → \(out)\n")
        }
    }
}
