import ArgumentParser
import Dispatch
import Foundation
import KiteCore
import ObjectStorage
import Registry
import Training

/// `kite train CONFIG`: train, validate, track and register a model as a training config says.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model from a training config, record the run, and register the model if it passes its gates.",
        discussion: """
            The config (YAML) names the data — a feature service with a labels file (joined point-in-time), or a \
            Parquet or CSV table — the learner (gbdt, logistic or ridge) and its parameters (LightGBM's names for \
            gbdt), the preprocessing, the split (by time by default when the data has times), optional k-fold \
            cross-validation, gates such as 'auc >= 0.80' or 'auc >= champion.auc - 0.002', the experiment and the \
            model name. Every run is recorded with its params, per-round and final metrics, feature importance, \
            the model file and the training set's metadata; a run that fails a gate is recorded as FAILED, is not \
            registered, and kite exits with status 2. See the README's Training section for every key.
            """
    )

    @OptionGroup var options: ProjectOptions
    @Argument(help: "The training config (YAML).") var config: String
    @Option(name: [.customShort("P"), .customLong("param")], help: "Set a learner parameter, overriding the config: NAME=VALUE (repeatable).")
    var parameters: [String] = []
    @Flag(help: "Print one JSON object (run id, model, version, every metric, each gate) instead of the summary.") var json = false

    func run() async throws {
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        let project = try options.configuration()
        let configuration = try TrainingConfiguration.load(path: config, overrides: parameters)
        if case .featureService = configuration.data {
            _ = try await options.appliedDefinitions(project)  // warns when features/*.yaml changed since kite apply
        }
        let display = TrainingDisplay(quiet: json)
        let job = TrainingJob(
            configuration: configuration, project: project, s3: s3,
            sourceName: "kite train \(config)", onProgress: { display.show($0) })
        let artifacts = try options.artifactStore(project, s3: s3)
        let result: TrainingResult
        do {
            result = try await options.withRegistry(project) { try await job.run(registry: $0, artifacts: artifacts) }
            display.finish()
        } catch {
            display.finish()
            throw error
        }
        Terminal.standardOutput(json ? try result.json() + "\n" : Self.summary(result))
        if result.status != .finished { throw ExitCode(2) }
    }

    /// The result for people: the run, each metric, each gate, the top features and what was registered.
    static func summary(_ result: TrainingResult) -> String {
        func number(_ value: Double) -> String { String(format: "%.6g", value) }
        var lines = [
            "run \(result.runID) (\(result.learner), \(result.task)): \(result.trainRows) training rows, \(result.testRows) test rows, "
                + "\(result.features) features" + (result.rounds.map { ", \($0) rounds" } ?? "") + ", \(String(format: "%.1f", result.seconds)) s"
        ]
        if result.droppedRows > 0 { lines.append("  \(result.droppedRows) rows without a label were left out") }
        let width = result.metrics.keys.map(\.count).max() ?? 0
        for (name, value) in result.metrics.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(number(value))")
        }
        if !result.importance.isEmpty {
            lines.append("  most important: " + result.importance.prefix(5).map(\.feature).joined(separator: ", "))
        }
        if let champion = result.champion {
            lines.append("  champion: version \(champion.version), " + (champion.rescored ? "scored on this run's test set" : "the metrics its run recorded"))
        }
        for gate in result.gates {
            let against = gate.threshold.map { "\(number(gate.value)) vs \(number($0))" } ?? "\(number(gate.value)); no champion yet"
            lines.append("  gate \(gate.gate): \(gate.passed ? "passed" : "FAILED") (\(against))")
        }
        if let model = result.model {
            if let version = result.version {
                lines.append("registered \(model) version \(version)" + (result.alias.map { " as \(model)@\($0)" } ?? ""))
            } else {
                lines.append("not registered: a gate failed; the run is recorded as FAILED")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Shows a training job's stages and boosting rounds on standard error when it is a terminal.
final class TrainingDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let quiet: Bool
    private var progress: ProgressReporter?

    init(quiet: Bool) { self.quiet = quiet }

    func show(_ event: TrainingJob.Progress) {
        lock.withLock {
            switch event {
            case .stage(let name):
                progress?.finish()
                progress = nil
                if !quiet, Terminal.isInteractive { Terminal.standardErrorRaw("\(name)…\n") }
            case .round(let round, let total, let metric, let loss):
                if progress == nil { progress = ProgressReporter(total: total, unit: "rounds") }
                progress?.advance(by: 1, detail: loss.map { String(format: "\(metric) %.5f", $0) } ?? "")
                if round == total { progress?.finish() }
            }
        }
    }

    func finish() { lock.withLock { progress?.finish() } }
}
