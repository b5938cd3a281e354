import ArgumentParser
import Features
import Foundation
import KiteCore

/// `kite init DIR` and `kite init --example fraud DIR`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a project folder: empty, or with a working example.",
        discussion: """
            Without --example the project is empty: kite.yaml with embedded stores, and empty features/ and data/ \
            folders; 'kite server' serves its registry at once. The fraud example is a deterministic synthetic card-transaction world: customers and merchants over 60 \
            days, feature tables computed as they were known at each moment, a fraud label that follows a known \
            rule plus noise, and a shift in the last 10 days. It is written in a few seconds for a million rows.
            """
    )

    /// The examples `init` can write.
    enum Example: String, ExpressibleByArgument, CaseIterable { case fraud }

    @Option(help: "The example to write (none by default).")
    var example: Example?

    @Option(help: "How many transactions to generate.")
    var rows: Int = 1_000_000

    @Argument(help: "The folder to create (must be new or empty).")
    var folder: String

    func validate() throws {
        guard rows >= 100 else { throw ValidationError("--rows must be at least 100") }
    }

    func run() async throws {
        guard example == .fraud else {
            let name = URL(fileURLWithPath: folder).lastPathComponent
            _ = try ProjectConfiguration.create(folder: folder, project: name.isEmpty ? "project" : name)
            Terminal.standardOutput(
                "created an empty project in \(folder)\nnext: add feature definitions under \(folder)/features, or run kite server --project \(folder)\n")
            return
        }
        let summary = try await FraudExample(rows: rows).write(to: folder)
        Terminal.standardOutput(
            "wrote the fraud example to \(folder): \(summary.transactions) transactions, \(summary.customers) customers, "
                + "\(summary.merchants) merchants, \(String(format: "%.1f", summary.fraudRate * 100))% fraud\n"
                + "next: kite apply --project \(folder)\n")
    }
}
