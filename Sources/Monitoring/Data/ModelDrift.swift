import KiteCore
import ObjectStorage
import Registry

/// The drift of a model version's inputs and predictions: the prediction log's rows of the version in a window
/// against the reference its run recorded.
public struct ModelDrift: Sendable, Codable, Equatable {
    public let model: String
    public let version: Int64
    /// The window of the prediction log compared (µs since the epoch, both ends included).
    public let windowStart: Int64
    public let windowEnd: Int64
    /// The log's window the reference came from, when not the run's holdout.
    public let referenceStart: Int64?
    public let referenceEnd: Int64?
    public let referenceRows: Int
    public let currentRows: Int
    public let drift: DriftReport

    /// The columns compared: the version's inputs (from its lineage, else every reference column but the label and
    /// time) followed by `prediction` and `probability` where the reference has them.
    public static func columns(of version: ModelVersion, reference: DataFrame) -> [String] {
        let lineage = VersionLineage(of: version)
        let excluded = Set([lineage.label, lineage.timeColumn].compactMap { $0 })
        let inputs = lineage.features ?? reference.schema.fields.map(\.name).filter { !excluded.contains($0) }
        let outputs = ["prediction", "probability"].filter { reference[$0] != nil && !inputs.contains($0) }
        return inputs.filter { reference[$0] != nil } + outputs
    }

    /// The drift of `version` over `window` of the prediction log in `store`, against its run's reference or, with
    /// `referenceWindow`, against the log's rows of that earlier window. `holdout` is the run's reference when the
    /// caller has read it already.
    public static func run(
        version: ModelVersion, window: ClosedRange<Int64>, referenceWindow: ClosedRange<Int64>? = nil, holdout known: DataFrame? = nil,
        registry: RegistryStore, artifacts: ArtifactStore, store: any ObjectStore, options: DriftOptions = DriftOptions()
    ) async throws -> ModelDrift {
        let holdout: DataFrame
        if let known { holdout = known } else { holdout = try await MonitoringData.reference(of: version, registry: registry, artifacts: artifacts) }
        let columns = columns(of: version, reference: holdout)
        var reference = holdout
        if let referenceWindow {
            reference = try await MonitoringData.predictions(
                model: version.name, version: version.version, window: referenceWindow, columns: columns, store: store)
            guard reference.rowCount > 0 else {
                throw KiteError(
                    .notFound,
                    "the prediction log has no rows of \(version.name) version \(version.version) in the reference window "
                        + "\(Timestamp.format(referenceWindow.lowerBound)) to \(Timestamp.format(referenceWindow.upperBound))")
            }
        }
        let current = try await MonitoringData.predictions(
            model: version.name, version: version.version, window: window, columns: columns, store: store)
        guard current.rowCount > 0 else {
            throw KiteError(
                .notFound,
                "the prediction log has no rows of \(version.name) version \(version.version) between \(Timestamp.format(window.lowerBound)) and \(Timestamp.format(window.upperBound))"
            )
        }
        let drift = try await DriftAnalysis.run(reference: reference, current: current, columns: columns, options: options)
        return ModelDrift(
            model: version.name, version: version.version, windowStart: window.lowerBound, windowEnd: window.upperBound,
            referenceStart: referenceWindow?.lowerBound, referenceEnd: referenceWindow?.upperBound, referenceRows: reference.rowCount,
            currentRows: current.rowCount, drift: drift)
    }
}
