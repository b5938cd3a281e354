import ArgumentParser
import Features
import Foundation
import KiteCore

/// `kite apply`: validate the definitions and record them in the registry.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate features/*.yaml and register them as a new definitions version.",
        discussion: """
            Checks every entity, source, feature view, on-demand view and feature service: unknown references, \
            duplicate names, type mismatches, bad expressions, and that each source's files exist and have the \
            columns the view reads. Errors name the file and line. Unchanged definitions keep their version.
            """
    )

    @OptionGroup var options: ProjectOptions

    func run() async throws {
        Terminal.standardOutput(try await Self.apply(options) + "\n")
    }

    /// Validates and registers the project's definitions; returns the line to show.
    static func apply(_ options: ProjectOptions) async throws -> String {
        let configuration = try options.configuration()
        let definitions = try FeatureDefinitions.load(folder: configuration.definitionsFolder)
        try await SourceCheck.verify(definitions, store: try options.offlineStore(configuration))
        var files: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: configuration.definitionsFolder)
        where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            files["features/" + name] = try String(contentsOfFile: configuration.definitionsFolder + "/" + name, encoding: .utf8)
        }
        let registry = try FeatureRegistry(path: configuration.featureRegistryPath())
        let (version, created) = try registry.apply(files: files, at: Int64(Date().timeIntervalSince1970 * 1_000_000))
        let counts = "\(definitions.entities.count) entities, \(definitions.sources.count) sources, "
            + "\(definitions.featureViews.count) feature views, \(definitions.onDemandViews.count) on-demand views, "
            + "\(definitions.featureServices.count) feature services"
        return created ? "applied definitions version \(version.number): \(counts)"
            : "definitions unchanged (version \(version.number)): \(counts)"
    }
}
