import ArgumentParser
import Features
import Foundation
import KiteCore
import Registry

/// `kite experiments`: the project's experiments.
struct ExperimentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments", abstract: "List the project's experiments (as 'mlflow experiments search' does).")

    @OptionGroup var options: ProjectOptions
    @Flag(help: "Include deleted experiments.") var all = false

    func run() async throws {
        let all = all
        let rows = try await options.withRegistry(try options.configuration()) { store in
            let experiments = try await store.searchExperiments(viewType: all ? .all : .activeOnly, orderBy: ["experiment_id ASC"], maxResults: 50_000).items
            var rows: [[String]] = []
            for experiment in experiments {
                let runs = try await store.runCount(experimentID: experiment.id)
                rows.append([
                    experiment.id, experiment.name, String(runs), experiment.lifecycleStage, Timestamp.format(experiment.creationTime),
                    experiment.artifactLocation,
                ])
            }
            return rows
        }
        Terminal.standardOutput(TableFormatter.render(headers: [["id", "name", "runs", "stage", "created", "artifacts"]], rows: rows))
    }
}
