import ABTesting
import ArgumentParser
import Features
import Foundation
import KiteCore
import KiteServer
import Registry
import Serving

/// `kite ab`: A/B tests between versions of a registered model.
struct ABCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab", abstract: "Create, start, stop and promote A/B tests between versions of a model.",
        discussion: """
            An experiment file names the model, the unit that is assigned (an entity key such as customer_id, or a \
            request field), the variants (each a model version vN or an alias, with a weight; the first is the \
            control), and optionally seed, hash_version, coverage, metrics and shadows. Assignment is GrowthBook's \
            (fnv1a32 bucketing), so a unit gets the variant a GrowthBook SDK would give it. While an experiment \
            runs, kite serve routes POST /v1/models/NAME/predict through it (within its reload interval) and logs \
            each assignment with its prediction; the header X-Kite-Variant forces a variant for QA.
            """,
        subcommands: [Create.self, List.self, Start.self, Stop.self, Status.self, Outcomes.self, Promote.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create (or replace) an experiment from a YAML file.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The experiment file (experiments/NAME.yaml).") var file: String
        @Flag(help: "Start it at once.") var start = false

        func run() async throws {
            var experiment = try ExperimentFile.load(path: file)
            if start { experiment.status = .running }
            let saved = experiment
            try await options.withRegistry(try options.configuration()) { registry in
                try await ModelLoader.checkVersions(of: saved, registry: registry)
                try await ExperimentStore(registry: registry).save(saved)
            }
            Terminal.standardOutput("experiment \(saved.key) on \(saved.model): \(saved.status.rawValue)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the experiments.")
        @OptionGroup var options: ProjectOptions

        func run() async throws {
            let experiments = try await options.withRegistry(try options.configuration()) { try await ExperimentStore(registry: $0).experiments() }
            let rows = experiments.map { experiment in
                [
                    experiment.key, experiment.model, experiment.status.rawValue, experiment.unit,
                    experiment.variants.map { "\($0.name)=\($0.model) \(String(format: "%g", $0.weight * 100))%" }.joined(separator: ", "),
                ]
            }
            Terminal.standardOutput(TableFormatter.render(headers: [["key", "model", "status", "unit", "variants"]], rows: rows))
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start an experiment (one runs per model at a time).")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The experiment's key.") var key: String

        func run() async throws {
            let key = key
            _ = try await options.withRegistry(try options.configuration()) { try await ExperimentStore(registry: $0).setStatus(key: key, .running) }
            Terminal.standardOutput("experiment \(key) running\n")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop an experiment: servers go back to the model alone.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The experiment's key.") var key: String

        func run() async throws {
            let key = key
            _ = try await options.withRegistry(try options.configuration()) { try await ExperimentStore(registry: $0).setStatus(key: key, .stopped) }
            Terminal.standardOutput("experiment \(key) stopped\n")
        }
    }

    struct Outcomes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "outcomes",
            abstract: "Add outcomes (delayed labels, conversions) to an experiment from a Parquet or CSV file.",
            discussion:
                "The file has the experiment's unit column (e.g. customer_id), 'metric' (text) and 'value' (a number); it is stored in the offline store under outcomes/experiment=KEY/."
        )
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The experiment's key.") var key: String
        @Argument(help: "The outcomes file (a path or s3:// URL).") var file: String

        func run() async throws {
            try await StoragePath.withS3 { s3 in
                let configuration = try options.configuration()
                let experiment = try await options.withRegistry(configuration) { [key] in try await ExperimentStore(registry: $0).experiment(key: key) }
                let frame = try await TableReader.read(file, s3: s3)
                let stored = try await ExperimentData.appendOutcomes(
                    frame, experiment: experiment, store: try options.offlineStore(configuration, s3: s3), now: WallClock.system.now())
                Terminal.standardOutput("\(frame.rowCount) outcomes of experiment \(key) stored in \(stored)\n")
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "An experiment's results: units per variant with the sample-ratio check, and each metric against the control.",
            discussion: """
                Units are those the prediction log shows exposed (forced and shadow answers left out); a unit \
                without an outcome counts as 0. Each variant is compared with the control by Welch's t-test \
                (--sequential: always-valid intervals, safe to look at any time) and by GrowthBook's Bayesian \
                engine; the numbers equal GrowthBook's gbstats.
                """)
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The experiment's key.") var key: String
        @Flag(help: "Sequential (always-valid) p-values and intervals.") var sequential = false
        @Flag(help: "Print the results as one JSON object (the document GET /v1/experiments/KEY/results answers).") var json = false

        func run() async throws {
            let (sequential, json) = (sequential, json)
            try await StoragePath.withS3 { s3 in
                let configuration = try options.configuration()
                let experiment = try await options.withRegistry(configuration) { [key] in try await ExperimentStore(registry: $0).experiment(key: key) }
                let analysis = try await ExperimentData.analyze(
                    experiment, store: try options.offlineStore(configuration, s3: s3),
                    frequentist: FrequentistTest(sequentialTuning: sequential ? 5_000 : nil))
                if json { return Terminal.standardOutput(ExperimentAPI.results(of: experiment, analysis).text + "\n") }
                var text = "experiment \(experiment.key) on \(experiment.model) (\(experiment.status.rawValue)), unit \(experiment.unit)\n"
                text += "units: " + zip(experiment.variants, analysis.units).map { "\($0.name) \($1)" }.joined(separator: ", ")
                text +=
                    " (sample ratio p = \(String(format: "%.4g", analysis.sampleRatioPValue))"
                    + "\(analysis.sampleRatioMismatch ? "; MISMATCH: check the assignment before trusting the results" : ""))\n"
                for (name, results) in analysis.metrics {
                    text += "\nmetric \(name)\n"
                    let rows = results.rows.map { row -> [String] in
                        var cells = [row.variant, String(row.units), String(format: "%.6g", row.mean)]
                        if let f = row.frequentist, let b = row.bayesian {
                            cells += [
                                String(format: "%+.2f%%", f.expected * 100),
                                String(format: "[%+.2f%%, %+.2f%%]", f.confidenceInterval.lower * 100, f.confidenceInterval.upper * 100),
                                String(format: "%.4g", f.pValue), String(format: "%.1f%%", b.chanceToWin * 100),
                            ]
                        } else {
                            cells += ["", "", "", ""]
                        }
                        return cells
                    }
                    text += TableFormatter.render(headers: [["variant", "units", "mean", "lift", "95% CI", "p-value", "chance to win"]], rows: rows)
                    // Outcomes that name their prediction (request id) are labels: the model's quality per variant.
                    if let quality = analysis.quality[name] {
                        text +=
                            "as labels of the predictions: "
                            + quality.map { variant in
                                let auc = variant.auc.map { String(format: "%.4f", $0) } ?? "n/a"
                                let loss = variant.logLoss.map { String(format: "%.4f", $0) } ?? "n/a"
                                return "\(variant.variant) AUC \(auc), log loss \(loss) (\(variant.labelled) labelled)"
                            }.joined(separator: "; ") + "\n"
                    }
                }
                Terminal.standardOutput(text)
            }
        }
    }

    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "promote",
            abstract: "Make a variant's version the model's champion and stop the experiment; the decision is recorded as a tag.")
        @OptionGroup var options: ProjectOptions
        @Argument(help: "The experiment's key.") var key: String
        @Argument(help: "The winning variant's name.") var variant: String

        func run() async throws {
            let (key, name) = (key, variant)
            let version = try await options.withRegistry(try options.configuration()) { registry in
                try await ExperimentPromotion.promote(key: key, variant: name, registry: registry).version
            }
            Terminal.standardOutput("\(name) won experiment \(key): champion → version \(version); the experiment is stopped\n")
        }
    }
}
