import ABTesting
import ArgumentParser
import Features
import Foundation
import KiteCore
import ObjectStorage
import Pipelines
import Registry
import Serving

/// `kite apply`: validate the definitions and record them in the registry.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate features/*.yaml and register them as a new definitions version; apply experiments/*.yaml; check pipelines/*.yaml.",
        discussion: """
            Checks every entity, source, feature view, on-demand view and feature service: unknown references, \
            duplicate names, type mismatches, bad expressions, and that each source's files have the columns the \
            view reads (a source without files yet is a warning; the first apply that finds its files checks them). \
            Errors name the file and line. Unchanged definitions keep their version. \
            Experiment files (experiments/*.yaml, as kite ab create reads them) are checked together — their \
            model versions exist, at most one experiment runs per model — before any is saved. Pipeline files \
            (pipelines/*.yaml) are checked too: steps, dependencies (no cycles), cron schedules and time zones.
            """
    )

    @OptionGroup var options: ProjectOptions

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        Terminal.standardOutput(try await Self.apply(options, s3: s3) + "\n")
    }

    /// Validates and registers the project's definitions; returns the line to show.
    static func apply(_ options: ProjectOptions, s3: S3Client) async throws -> String {
        let configuration = try options.configuration()
        let definitions = try FeatureDefinitions.load(folder: configuration.definitionsFolder)
        // Pipelines are read from their files when they run; applying checks them all first.
        let pipelines = try PipelineFile.loadAll(folder: configuration.folder + "/pipelines")
        for warning in try await SourceCheck.verify(definitions, store: try options.offlineStore(configuration, s3: s3)) {
            Terminal.standardError("warning: \(warning)")
        }
        let files = try configuration.definitionFiles()
        let (version, created) = try await options.withRegistry(configuration) { registry in
            try await registry.applyFeatureDefinitions(files: files)
        }
        let experiments = try await applyExperiments(options, configuration)
        let counts =
            "\(definitions.entities.count) entities, \(definitions.sources.count) sources, "
            + "\(definitions.featureViews.count) feature views, \(definitions.onDemandViews.count) on-demand views, "
            + "\(definitions.featureServices.count) feature services"
        let line =
            created
            ? "applied definitions version \(version.number): \(counts)"
            : "definitions unchanged (version \(version.number)): \(counts)"
        return line + (experiments.isEmpty ? "" : "; experiments: " + experiments.joined(separator: ", "))
            + (pipelines.isEmpty ? "" : "; pipelines: " + pipelines.map(\.name).joined(separator: ", "))
    }

    /// Reads, checks and saves the project's experiment files; returns `key (status)` for each. Nothing is saved
    /// unless every file is valid.
    static func applyExperiments(_ options: ProjectOptions, _ configuration: ProjectConfiguration) async throws -> [String] {
        let folder = configuration.folder + "/experiments"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        let experiments = try names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { try ExperimentFile.load(path: folder + "/" + $0) }
        guard !experiments.isEmpty else { return [] }
        var running: [String: String] = [:]
        for experiment in experiments where experiment.status == .running {
            if let other = running.updateValue(experiment.key, forKey: experiment.model) {
                throw KiteError.invalidArgument("experiments '\(other)' and '\(experiment.key)' both run on model '\(experiment.model)'; one may run at a time")
            }
        }
        return try await options.withRegistry(configuration) { registry in
            let store = ExperimentStore(registry: registry)
            for experiment in experiments {
                try await ModelLoader.checkVersions(of: experiment, registry: registry)
                if experiment.status == .running, let current = try await store.running(model: experiment.model), current.key != experiment.key,
                    !experiments.contains(where: { $0.key == current.key && $0.status != .running })
                {
                    throw KiteError.invalidArgument(
                        "experiment '\(experiment.key)' would run on model '\(experiment.model)', where '\(current.key)' runs; stop it first (kite ab stop \(current.key))"
                    )
                }
            }
            // Stops first, so an experiment taking over a model from a stopped one finds it free.
            for experiment in experiments.sorted(by: { ($0.status == .running ? 1 : 0) < ($1.status == .running ? 1 : 0) }) {
                try await store.save(experiment)
            }
            return experiments.map { "\($0.key) (\($0.status.rawValue))" }
        }
    }
}
