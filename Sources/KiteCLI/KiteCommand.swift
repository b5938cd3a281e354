import ArgumentParser
import KiteCore

/// `kite`: the whole life of a tabular model in one binary.
public struct KiteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kite",
        abstract: "Features, training, registry, serving and monitoring for tabular models, in one binary.",
        version: KiteVersion.current,
        subcommands: [
            DemoCommand.self, InitCommand.self, ApplyCommand.self, FeaturesCommand.self, DatasetCommand.self,
            ParquetCommand.self, ServeCommand.self, ExperimentsCommand.self, RunsCommand.self, ModelsCommand.self,
            TrainCommand.self, PredictCommand.self, MaterializeCommand.self, MaterializeIncrementalCommand.self, PushCommand.self, TokensCommand.self,
            ABCommand.self, BatchPredictCommand.self, PipelinesCommand.self, SchedulerCommand.self, AirflowCommand.self, MonitorCommand.self,
        ]
    )

    public init() {}

    /// Whether `arguments` run the long-lived server (`kite serve`), whose requests gain from running Swift
    /// Concurrency on SwiftNIO's event loops; every other command wants the default executor, whose tasks spread
    /// over the cores (a task started on an event loop stays on that loop).
    public static func servesRequests(arguments: [String]) -> Bool {
        (try? parseAsRoot(arguments)) is ServeCommand
    }

    /// Parses the arguments, runs the command, and turns errors into one clear line; returns the exit status.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch let error as KiteError {
            Terminal.standardError("error: \(error.message)")
            return 1
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version arrive as errors that carry their text.
                Terminal.standardOutput(fullMessage(for: error) + "\n")
                return 0
            }
            let message = message(for: error)
            Terminal.standardError(
                "error: \(message.isEmpty ? String(describing: error) : message)"
                    + " (see 'kite \(arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ")) --help')")
            return code.rawValue
        }
    }
}
