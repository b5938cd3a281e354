import ArgumentParser
import Features
import KiteCore
import ObjectStorage

/// `kite push VIEW FILE`: rows straight into the online store and/or the offline store.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push rows of a feature view to the online store, the offline store, or both.",
        discussion: """
            FILE (Parquet or CSV, local or s3://) holds the view's join keys, its source's timestamp column and \
            any of its features. Online, the latest row per entity is written unless newer values are stored; \
            offline, the rows become a new Parquet file in the view's source folder.
            """
    )

    @OptionGroup var options: ProjectOptions

    @Argument(help: "The feature view.") var view: String
    @Argument(help: "The rows to push (.parquet or .csv; a path or s3://bucket/key).") var file: String

    @Option(help: "Where the rows go: online, offline or online_and_offline.") var to: String = "online"

    func run() async throws {
        guard let target = FeaturePush.Target(rawValue: to) else {
            throw ValidationError("--to must be one of \(FeaturePush.Target.allCases.map(\.rawValue).joined(separator: ", ")), not '\(to)'")
        }
        try await StoragePath.withS3 { s3 in
            let configuration = try options.configuration()
            let (definitions, _) = try await options.appliedDefinitions(configuration)
            let frame = try await TableReader.read(file, s3: s3)
            let offline = try options.offlineStore(configuration, s3: s3)
            let result = try await options.withOnlineStore(configuration) { online in
                try await FeaturePush(definitions: definitions, offlineStore: offline, onlineStore: online).push(frame, view: view, to: target)
            }
            var parts: [String] = []
            if target != .offline { parts.append("\(result.onlineWritten) entities written online") }
            if let path = result.offlineFile { parts.append("appended to the offline store as \(path)") }
            Terminal.standardOutput("\(view): \(frame.rowCount) rows pushed; \(parts.joined(separator: "; "))\n")
        }
    }
}
