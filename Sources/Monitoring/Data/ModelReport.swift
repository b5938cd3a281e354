import ObjectStorage
import Registry

/// Everything `kite monitor report` shows of a model version over a window: the drift of its inputs and
/// predictions, and its performance (realized, estimated, latency) day by day.
public struct ModelReport: Sendable, Codable, Equatable {
    public let drift: ModelDrift
    public let performance: ModelPerformance

    /// The report of `version` over `window` (drift against the run's reference, or the log's `referenceWindow`).
    public static func run(
        version: ModelVersion, window: ClosedRange<Int64>, referenceWindow: ClosedRange<Int64>? = nil, registry: RegistryStore,
        artifacts: ArtifactStore, store: any ObjectStore, options: DriftOptions = DriftOptions()
    ) async throws -> ModelReport {
        // The run's reference serves both: drift compares with it, CBPE is fitted on it.
        let holdout = try await MonitoringData.reference(of: version, registry: registry, artifacts: artifacts)
        let drift = try await ModelDrift.run(
            version: version, window: window, referenceWindow: referenceWindow, holdout: holdout, registry: registry, artifacts: artifacts,
            store: store, options: options)
        let performance = try await ModelPerformance.run(
            version: version, window: window, reference: holdout, registry: registry, artifacts: artifacts, store: store)
        return ModelReport(drift: drift, performance: performance)
    }
}
