import Features
import Foundation
import KiteCore
import ObjectStorage
import Registry
import Synchronization

/// What `kite materialize` and `kite materialize-incremental` share: open the stores, materialize each view over
/// its window with progress on a terminal, record the window in the registry, and print one line per view.
struct ViewMaterialization {
    let options: ProjectOptions
    let views: [String]

    /// Materializes each view over the window `window` gives it (nil: nothing to do, with the reason).
    func run(window: @escaping @Sendable (FeatureDefinitions.FeatureView, RegistryStore) async throws -> ClosedRange<Int64>?) async throws {
        try await StoragePath.withS3 { s3 in
            let configuration = try options.configuration()
            let (definitions, _) = try await options.appliedDefinitions(configuration)
            let offline = try options.offlineStore(configuration, s3: s3)
            try await options.withRegistry(configuration) { registry in
                try await options.withOnlineStore(configuration) { online in
                    let materializer = Materializer(definitions: definitions, offlineStore: offline, onlineStore: online)
                    let selected = try materializer.views(views.flatMap { $0.split(separator: ",").map { String($0).trimmingSpaces() } })
                    if selected.isEmpty {
                        Terminal.standardError("no feature view is marked online: true; nothing to materialize\n")
                    }
                    for view in selected {
                        guard let range = try await window(view, registry) else {
                            Terminal.standardError("\(view.name): already materialized up to the end given; nothing to do\n")
                            continue
                        }
                        let progress = Mutex<ProgressReporter?>(nil)
                        let result = try await materializer.materialize(view, window: range, recordingIn: registry) { step in
                            progress.withLock { reporter in
                                if reporter == nil { reporter = ProgressReporter(total: step.totalRows, unit: "rows") }
                                reporter?.advance(to: step.rowsRead, detail: step.view)
                            }
                        }
                        progress.withLock { $0?.finish() }
                        Terminal.standardOutput(
                            "\(view.name): \(Timestamp.format(range.lowerBound)) to \(Timestamp.format(range.upperBound)): "
                                + "\(result.rowsRead) rows read, \(result.entitiesWritten) entities written to \(online.description)\n")
                    }
                }
            }
        }
    }
}
