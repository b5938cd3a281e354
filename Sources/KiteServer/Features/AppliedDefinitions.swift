import Features
import KiteCore
import Registry
import Synchronization

/// The feature definitions last applied, as the feature server uses them: read from the registry on first use and
/// again when older than `maximumAge`, so a `kite apply` reaches a running server within seconds.
final class AppliedDefinitions: Sendable {
    private let registry: RegistryStore
    private let project: ProjectConfiguration
    private let maximumAge: Int64
    private let cache = Mutex<(definitions: FeatureDefinitions, loadedAt: Int64)?>(nil)

    init(registry: RegistryStore, project: ProjectConfiguration, maximumAgeMicroseconds: Int64 = 5_000_000) {
        self.registry = registry
        self.project = project
        maximumAge = maximumAgeMicroseconds
    }

    /// The current definitions.
    func current() async throws -> FeatureDefinitions {
        let now = registry.clock.now()
        if let cached = cache.withLock({ $0 }), now - cached.loadedAt < maximumAge { return cached.definitions }
        let (definitions, _) = try await project.appliedDefinitions(registry: registry)
        cache.withLock { $0 = (definitions, now) }
        return definitions
    }
}
