import ArgumentParser
import Features
import Foundation
import KiteCore
import ObjectStorage
import Registry

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
        try await StoragePath.withS3 { try await run(s3: $0) }
    }

    private func run(s3: S3Client) async throws {
        Terminal.standardOutput(try await Self.apply(options, s3: s3) + "\n")
    }

    /// Validates and registers the project's definitions; returns the line to show.
    static func apply(_ options: ProjectOptions, s3: S3Client) async throws -> String {
        let configuration = try options.configuration()
        let definitions = try FeatureDefinitions.load(folder: configuration.definitionsFolder)
        try await SourceCheck.verify(definitions, store: try options.offlineStore(configuration, s3: s3))
        let files = try configuration.definitionFiles()
        let (version, created) = try await options.withRegistry(configuration) { registry in
            try await registry.applyFeatureDefinitions(files: files)
        }
        let counts =
            "\(definitions.entities.count) entities, \(definitions.sources.count) sources, "
            + "\(definitions.featureViews.count) feature views, \(definitions.onDemandViews.count) on-demand views, "
            + "\(definitions.featureServices.count) feature services"
        return created
            ? "applied definitions version \(version.number): \(counts)"
            : "definitions unchanged (version \(version.number)): \(counts)"
    }
}
