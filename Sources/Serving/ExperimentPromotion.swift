import ABTesting
import KiteCore
import Registry

/// Ending an A/B test with a winner: the variant's version becomes the model's champion, the decision is kept as
/// the version's `kite.promoted_by` tag, and the experiment stops (`kite ab promote`, the web UI's button).
public enum ExperimentPromotion {
    /// Promotes `variant` of experiment `key`; returns the model and the version now aliased champion.
    public static func promote(key: String, variant name: String, registry: RegistryStore) async throws -> (model: String, version: Int64) {
        let store = ExperimentStore(registry: registry)
        let experiment = try await store.experiment(key: key)
        guard let variant = experiment.variants.first(where: { $0.name == name }) else {
            throw KiteError.invalidArgument(
                "experiment \(key) has no variant '\(name)'; its variants are \(experiment.variants.map(\.name).joined(separator: ", "))")
        }
        let version = try await ModelLoader.version(name: experiment.model, tag: variant.model, registry: registry)
        try await registry.setAlias(name: experiment.model, alias: "champion", version: String(version.version))
        try await registry.setModelVersionTag(name: experiment.model, version: String(version.version), key: "kite.promoted_by", value: "\(key):\(name)")
        _ = try await store.setStatus(key: key, .stopped)
        return (experiment.model, version.version)
    }
}
