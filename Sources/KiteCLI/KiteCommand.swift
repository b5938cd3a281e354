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

    /// The command line parsed once: the command to run, or what to report (a mistake, `--help`, `--version`).
    /// Unchecked: a parsed command is a value of options and arguments, handed once from `main` to `run()`.
    public struct Invocation: @unchecked Sendable {
        let arguments: [String]
        let parsed: Result<any ParsableCommand, any Error>

        public init(arguments: [String]) {
            self.arguments = arguments
            parsed = Result { try KiteCommand.parseAsRoot(arguments) }
        }

        /// Whether this runs the long-lived server (`kite serve`), whose requests gain from running Swift
        /// Concurrency on SwiftNIO's event loops; every other command wants the default executor, whose tasks
        /// spread over the cores (a task started on an event loop stays on that loop).
        public var servesRequests: Bool { (try? parsed.get()) is ServeCommand }

        /// Runs the command and turns errors into one clear line; returns the exit status.
        public func run() async -> Int32 {
            do {
                var command = try parsed.get()
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
                let code = KiteCommand.exitCode(for: error)
                if code == .success {
                    // --help and --version arrive as errors that carry their text.
                    Terminal.standardOutput(KiteCommand.fullMessage(for: error) + "\n")
                    return 0
                }
                let message = KiteCommand.message(for: error)
                Terminal.standardError(
                    "error: \(message.isEmpty ? String(describing: error) : message)"
                        + " (see 'kite \(arguments.prefix { !$0.hasPrefix("-") }.joined(separator: " ")) --help')")
                return code.rawValue
            }
        }
    }
}
