import ArgumentParser
import Features
import KiteCore

/// `kite materialize START END`: load online views' latest values in a window into the online store.
struct MaterializeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize",
        abstract: "Load the latest feature values between START and END into the online store.",
        discussion: """
            For each feature view marked online (or each --views), the rows of its source with event times in \
            [START, END] are read from the offline store, the latest per entity is kept (the created timestamp \
            breaks ties), and written to the online store. Values already there that are newer are kept, so \
            rerunning a window, or one interrupted, is safe. The window is recorded in the registry; \
            'kite materialize-incremental' continues from it. Times are ISO 8601 (2024-05-01T00:00:00Z) or 'now'.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The window's start (included).") var start: String
    @Argument(help: "The window's end (included).") var end: String

    @Option(name: .customLong("views"), help: "Views to materialize (repeatable or comma-separated). Default: every online view.")
    var views: [String] = []

    func run() async throws {
        let start = try MaterializeCommand.time(start, argument: "START")
        let end = try MaterializeCommand.time(end, argument: "END")
        guard start <= end else { throw ValidationError("START (\(self.start)) is after END (\(self.end))") }
        try await ViewMaterialization(options: options, views: views).run { _, _ in start...end }
    }

    /// An ISO 8601 time or `now`, in microseconds.
    static func time(_ text: String, argument: String) throws -> Int64 {
        if text == "now" { return WallClock.system.now() }
        do { return try Timestamp.parse(text) } catch { throw ValidationError("\(argument): \(error)") }
    }
}
