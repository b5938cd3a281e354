import ArgumentParser
import Features
import KiteCore

/// `kite materialize-incremental END`: continue each online view from where the last materialization ended.
struct MaterializeIncrementalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize-incremental",
        abstract: "Load feature values from each view's last materialized end up to END into the online store.",
        discussion: """
            Each view continues just after the end of its latest recorded window; a view never materialized \
            starts at END minus its ttl (or at the epoch when it has none). See 'kite materialize'.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The end of the window (included): ISO 8601 or 'now'.") var end: String

    @Option(name: .customLong("views"), help: "Views to materialize (repeatable or comma-separated). Default: every online view.")
    var views: [String] = []

    func run() async throws {
        let end = try MaterializeCommand.time(end, argument: "END")
        try await ViewMaterialization(options: options, views: views).run { view, registry in
            try await Materializer.incrementalWindow(view, end: end, registry: registry)
        }
    }
}
