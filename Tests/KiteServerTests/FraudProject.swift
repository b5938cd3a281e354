import Features
import KiteCore
import KiteTesting
import Logging
import ObjectStorage
import Registry

/// The fraud example for server tests: generated, its definitions applied and its views materialized into the
/// embedded online store as of `now`.
struct FraudProject {
    /// The end of the materialized window, and the servers' "now" (values older than a view's ttl are stale).
    static let now = FraudExample.start + 40 * Timestamp.microsPerDay

    var folder: String
    var configuration: ProjectConfiguration
    var online: any OnlineStore
    var offline: any ObjectStore

    /// Runs `body` with a new project, removed afterwards.
    static func with(rows: Int = 3_000, _ body: (FraudProject) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("fraud")
        try await create(rows: rows, at: folder)
        try await with(folder: folder, body)
        _ = directory
    }

    /// Generates the example in `folder`, applies its definitions and materializes its views as of `now`.
    static func create(rows: Int, at folder: String) async throws {
        _ = try await FraudExample(rows: rows, seed: 9).write(to: folder)
        let project = try ProjectConfiguration.load(folder: folder)
        let logger = Logger(label: "test")
        try await RegistryStore.withStore(url: project.registryURL, logger: logger, clock: .fixed(now)) { registry in
            _ = try await registry.applyFeatureDefinitions(files: try project.definitionFiles())
        }
        let online = try OnlineStores.open(project.onlineStore, project: project.project, folder: folder, logger: logger)
        let (definitions, _) = try await RegistryStore.withStore(url: project.registryURL, logger: logger) {
            try await project.appliedDefinitions(registry: $0)
        }
        let materializer = Materializer(definitions: definitions, offlineStore: try LocalObjectStore(root: folder + "/data"), onlineStore: online)
        do {
            for view in try materializer.views([]) {
                _ = try await materializer.materialize(view, start: now - view.ttl.microseconds, end: now)
            }
        } catch {
            await online.close()
            throw error
        }
        await online.close()
    }

    /// Runs `body` with the project in `folder` (made by `create`), its online store open.
    static func with(folder: String, _ body: (FraudProject) async throws -> Void) async throws {
        let project = try ProjectConfiguration.load(folder: folder)
        let online = try OnlineStores.open(project.onlineStore, project: project.project, folder: folder, logger: Logger(label: "test"))
        let offline = try LocalObjectStore(root: folder + "/data")
        do {
            try await body(FraudProject(folder: folder, configuration: project, online: online, offline: offline))
        } catch {
            await online.close()
            throw error
        }
        await online.close()
    }
}
