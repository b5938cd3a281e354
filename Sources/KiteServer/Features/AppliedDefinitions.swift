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
        /// The retrieval plans worked out from this version (`retrieval(store:clock:)`).
        var plans: OnlineRetrieval.Plans
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
    func current() async throws -> FeatureDefinitions { try await currentHeld().definitions }

    /// A retrieval of online features with the current definitions, reusing the plans earlier retrievals with the
    /// same version worked out.
    func retrieval(store: any OnlineStore, clock: WallClock) async throws -> OnlineRetrieval {
        let held = try await currentHeld()
        return OnlineRetrieval(definitions: held.definitions, store: store, clock: clock, plans: held.plans)
    }

    private func currentHeld() async throws -> Held {
        let now = registry.clock.now()
        guard let held = held.withLock({ $0 }) else { return try await check(now: now, held: nil) }
        guard now - held.checkedAt >= maximumAge, checking.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return held
        }
        defer { checking.store(false, ordering: .releasing) }
        do {
            return try await check(now: now, held: held)
        } catch {
            logger.warning(
                "could not check the applied feature definitions; serving version \(held.version) until the next check",
                metadata: ["error": "\(error)"])
            self.held.withLock { $0?.checkedAt = now }
            return held
        }
    }

    /// Reads the latest applied version, parsing it unless it is the one held.
    private func check(now: Int64, held: Held?) async throws -> Held {
        let version = try await project.appliedVersion(registry: registry)
        var current: Held
        if let held, held.version == version.number {
            current = held
            current.checkedAt = now
        } else {
            current = Held(definitions: try project.definitions(of: version), version: version.number, checkedAt: now, plans: OnlineRetrieval.Plans())
        }
        self.held.withLock { [current] in $0 = current }
        return current
    }
}
