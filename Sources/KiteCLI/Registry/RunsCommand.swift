import ArgumentParser
import Features
import Foundation
import KiteCore
import Registry

/// `kite runs list|show`: runs of an experiment and one run in full.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List and show tracked runs.", subcommands: [List.self, Show.self])

    /// `kite runs list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List runs, newest first, with their metrics.",
            discussion: "Filters use MLflow's grammar, e.g. --filter \"metrics.auc > 0.9 AND params.model = 'gbdt'\".")

        @OptionGroup var options: ProjectOptions
        @Option(help: "The experiment's name or id.") var experiment: String = "Default"
        @Option(help: "An MLflow search filter.") var filter: String = ""
        @Option(help: "Order, e.g. 'metrics.auc DESC' (repeatable).") var orderBy: [String] = []
        @Option(help: "At most this many runs.") var limit: Int = 50

        func run() async throws {
            guard (1...50_000).contains(limit) else { throw KiteError.invalidArgument("--limit must be between 1 and 50000, not \(limit)") }
            let (experiment, filter, orderBy, limit) = (experiment, filter, orderBy, limit)
            let (found, runs) = try await options.withRegistry(try options.configuration()) { store in
                let found: Experiment
                if let named = try? await store.experiment(named: experiment) { found = named } else { found = try await store.experiment(id: experiment) }
                return (found, try await store.searchRuns(experimentIDs: [found.id], filter: filter, orderBy: orderBy, maxResults: limit).items)
            }
            let metricNames = Array(Set(runs.flatMap(\.metrics.keys))).sorted().prefix(6)
            let rows = runs.map { run in
                [run.id, run.name, run.status.rawValue, Timestamp.format(run.startTime)]
                    + metricNames.map { name in run.metrics[name].map { String(format: "%.6g", $0.value) } ?? "" }
            }
            Terminal.standardOutput("experiment \(found.name) (\(found.id))\n")
            Terminal.standardOutput(TableFormatter.render(headers: [["run_id", "name", "status", "started"] + metricNames], rows: rows))
        }
    }

    /// `kite runs show RUN_ID`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run: params, metrics, tags, inputs and outputs.")

        @OptionGroup var options: ProjectOptions
        @Argument(help: "The run id.") var runID: String

        func run() async throws {
            let runID = runID
            let run = try await options.withRegistry(try options.configuration()) { try await $0.run(id: runID) }
            var out = "run \(run.id) \"\(run.name)\"\n  experiment: \(run.experimentID)\n  status: \(run.status.rawValue)\n"
            out += "  started: \(Timestamp.format(run.startTime))\n"
            if let end = run.endTime { out += "  ended: \(Timestamp.format(end))\n" }
            if let parent = run.parentRunID { out += "  parent run: \(parent)\n" }
            out += "  artifacts: \(run.artifactURI)\n"
            for (key, value) in run.params.sorted(by: { $0.key < $1.key }) { out += "  param \(key) = \(value)\n" }
            for metric in run.metrics.values.sorted(by: { $0.key < $1.key }) { out += "  metric \(metric.key) = \(metric.value) (step \(metric.step))\n" }
            for (key, value) in run.tags.sorted(by: { $0.key < $1.key }) where !key.hasPrefix("mlflow.") { out += "  tag \(key) = \(value)\n" }
            for input in run.inputs { out += "  input \(input.name) (\(input.sourceType), digest \(input.digest))\n" }
            for output in run.outputs { out += "  output model \(output.modelID) (step \(output.step))\n" }
            Terminal.standardOutput(out)
        }
    }
}
