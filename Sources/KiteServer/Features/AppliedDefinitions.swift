import Features
import KiteCore
import Logging
import Registry
import Synchronization

/// The feature definitions last applied, as the feature server uses them: read from the registry on first use and
/// checked again when older than `maximumAge`, so a `kite apply` reaches a running server within seconds.
///
/// One request at a time checks; the others meanwhile answer with the definitions held (at most a check's time
/// older than `maximumAge`), and an unchanged version is not parsed again — so a check costs the server one
/// registry read every `maximumAge`, not a read and a parse per request in flight when the age runs out.
///
/// A check that fails (the registry unreachable, the applied files unreadable) keeps the definitions held: the
/// server goes on answering with them, logs the failure, and checks again `maximumAge` later. Only the first read,
/// with nothing held, fails requests.
final class AppliedDefinitions: Sendable {
    private struct Held {
        var definitions: FeatureDefinitions
        var version: Int
        var checkedAt: Int64
    }

    private let registry: RegistryStore
    private let project: ProjectConfiguration
    private let maximumAge: Int64
    private let logger: Logger
    private let held = Mutex<Held?>(nil)
    private let checking = Atomic<Bool>(false)

    init(registry: RegistryStore, project: ProjectConfiguration, maximumAgeMicroseconds: Int64 = 5_000_000, logger: Logger) {
        self.registry = registry
        self.project = project
        maximumAge = maximumAgeMicroseconds
        self.logger = logger
    }

    /// The current definitions.
    func current() async throws -> FeatureDefinitions {
        let now = registry.clock.now()
        guard let held = held.withLock({ $0 }) else { return try await check(now: now, held: nil) }
        guard now - held.checkedAt >= maximumAge, checking.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return held.definitions
        }
        defer { checking.store(false, ordering: .releasing) }
        do {
            return try await check(now: now, held: held)
        } catch {
            logger.warning(
                "could not check the applied feature definitions; serving version \(held.version) until the next check",
                metadata: ["error": "\(error)"])
            self.held.withLock { $0?.checkedAt = now }
            return held.definitions
        }
    }

    /// Reads the latest applied version, parsing it unless it is the one held.
    private func check(now: Int64, held: Held?) async throws -> FeatureDefinitions {
        let version = try await project.appliedVersion(registry: registry)
        let definitions = try held.flatMap { $0.version == version.number ? $0.definitions : nil } ?? project.definitions(of: version)
        self.held.withLock { $0 = Held(definitions: definitions, version: version.number, checkedAt: now) }
        return definitions
    }
}
