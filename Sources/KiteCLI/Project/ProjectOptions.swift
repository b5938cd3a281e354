import ArgumentParser
import Features
import Foundation
import KiteCore
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
    func offlineStore(_ configuration: ProjectConfiguration) throws -> any ObjectStore {
        try ObjectStores.openFolder(configuration.offlineStoreURL, s3: try StoragePath.s3Configuration())
    }

    /// The project's registry store (experiments, runs, models), opened and migrated.
    func registryStore(_ configuration: ProjectConfiguration) async throws -> RegistryStore {
        try await RegistryStore.open(url: configuration.registryURL)
    }

    /// The project's artifact store.
    func artifactStore(_ configuration: ProjectConfiguration) throws -> ArtifactStore {
        ArtifactStore(objects: try ObjectStores.openFolder(configuration.artifactsURL, s3: try StoragePath.s3Configuration()))
    }
}
