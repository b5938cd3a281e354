import Features
import ObjectStorage
import ServiceLifecycle

/// What `kite serve`'s feature server serves from: the project (for its applied definitions), the online store and
/// the offline store. The online store is closed when the server shuts down.
public struct FeatureServing: Sendable {
    public var project: ProjectConfiguration
    public var online: any OnlineStore
    public var offline: any ObjectStore

    public init(project: ProjectConfiguration, online: any OnlineStore, offline: any ObjectStore) {
        self.project = project
        self.online = online
        self.offline = offline
    }

    /// A service that closes the online store on graceful shutdown.
    var service: some Service { OnlineStoreService(store: online) }
}

/// Holds an online store open for the server's life and closes it on graceful shutdown.
private struct OnlineStoreService: Service {
    let store: any OnlineStore

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}
