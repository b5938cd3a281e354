import ArgumentParser
import Features
import Foundation
import KiteCore
import Logging
import ObjectStorage
import Registry

/// `--project DIR`, shared by every command that works on a project.
struct ProjectOptions: ParsableArguments {
    @Option(name: .long, help: "The project folder (the one holding kite.yaml). Default: the current folder.")
    var project: String = "."

    /// The project's configuration, read from kite.yaml.
    func configuration() throws -> ProjectConfiguration {
        try ProjectConfiguration.load(folder: project)
    }

    /// The project's offline store (S3 settings from the environment).
    func offlineStore(_ configuration: ProjectConfiguration, s3: S3Client) throws -> any ObjectStore {
        try ObjectStores.openFolder(configuration.offlineStoreURL, s3: s3)
    }

    /// Runs `body` with the project's registry store (experiments, runs, models), opened and migrated, and
    /// closes the store when `body` returns or throws.
    func withRegistry<T: Sendable>(_ configuration: ProjectConfiguration, _ body: (RegistryStore) async throws -> T) async throws -> T {
        try await RegistryStore.withStore(url: configuration.registryURL, logger: Logger(label: "kite.registry"), body)
    }

    /// The feature definitions last applied, warning on standard error when `features/*.yaml` changed since.
    func appliedDefinitions(_ configuration: ProjectConfiguration) async throws -> (FeatureDefinitions, FeatureDefinitionVersion) {
        let (definitions, version) = try await withRegistry(configuration) { try await configuration.appliedDefinitions(registry: $0) }
        let changed = configuration.definitionFilesChanged(since: version)
        if !changed.isEmpty {
            Terminal.standardError(
                "warning: \(changed.joined(separator: ", ")) changed since the last 'kite apply' (definitions version \(version.number)); "
                    + "this uses the applied version: run 'kite apply' to use the changes\n")
        }
        return (definitions, version)
    }

    /// Runs `body` with the project's online store (a Redis password from `KITE_REDIS_PASSWORD` when set) and
    /// closes it when `body` returns or throws.
    func withOnlineStore<T>(_ configuration: ProjectConfiguration, _ body: (any OnlineStore) async throws -> T) async throws -> T {
        let store = try OnlineStores.open(
            configuration.onlineStore, project: configuration.project, folder: configuration.folder,
            password: ProcessInfo.processInfo.environment["KITE_REDIS_PASSWORD"], logger: Logger(label: "kite.online"))
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// The project's artifact store.
    func artifactStore(_ configuration: ProjectConfiguration, s3: S3Client) throws -> ArtifactStore {
        ArtifactStore(objects: try ObjectStores.openFolder(configuration.artifactsURL, s3: s3))
    }
}
